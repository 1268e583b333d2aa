/**
 * The Redis Cluster connection on a real cluster (3 masters, 1 replica each): the credential
 * test checks every node, a batch spans every master, and a master crash (SIGKILL, its replica
 * promoted) while caps are consumed concurrently loses no counted send and never over-allows
 * under the documented policy — Replica Confirmations 1 (WAIT 1 after every write): a write a
 * node acted on is on the replica the cluster promotes.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapDecision, CapRequest } from '../../../lib/store/caps';
import { probeRedis, parseRedisStoreConfig } from '../../../lib/store/redis/connection';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { keySlot } from '../../../lib/store/redis/slots';
import { StoreUnavailableError } from '../../../lib/store/unavailable';
import { sleep, uniqueNamespace } from '../helpers/redis';
import { RedisClusterFixture } from '../helpers/redis-cluster';

let cluster: RedisClusterFixture;
beforeAll(async () => {
	cluster = await RedisClusterFixture.start();
}, 120_000);
afterAll(() => cluster?.stop());

describe('the Cluster connection type', () => {
	it('the credential test connects through the seed nodes and checks every node', async () => {
		const config = parseRedisStoreConfig(cluster.credential(uniqueNamespace('probe'), { replicaAcks: 1 }));
		expect(config).toMatchObject({ connection: 'cluster', nodes: cluster.seeds, replicaAcks: 1 });
		const result = await probeRedis(config);
		expect(result).toMatchObject({ ok: true, evictionPolicy: 'noeviction' });
		expect(result.message).toContain('6 nodes');
	});

	it('the credential test fails naming the one replica that could evict keys once promoted', async () => {
		const replica = (await cluster.roles()).find((r) => !r.master)!;
		const client = new Redis({ host: '127.0.0.1', port: replica.port });
		await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
		try {
			const result = await probeRedis(parseRedisStoreConfig(cluster.credential(uniqueNamespace('probe'))));
			expect(result.ok).toBe(false);
			expect(result.evictionPolicy).toBe('allkeys-lru');
			expect(result.message).toContain(`127.0.0.1:${replica.port}`);
			expect(result.message).toMatch(/noeviction/);
		} finally {
			await client.config('SET', 'maxmemory-policy', 'noeviction');
			await client.quit();
		}
	});

	it('the credential fields say what is wrong', () => {
		const base = { namespace: 'acme', hashSecret: 'a-secret-of-16-chars-or-more' };
		expect(() => parseRedisStoreConfig({ ...base, connection: 'cluster', clusterNodes: '' })).toThrow(/Seed Nodes is empty/);
		expect(() => parseRedisStoreConfig({ ...base, connection: 'cluster', clusterNodes: 'a:1, b:99999' })).toThrow(/"b:99999" is not host:port/);
		expect(() => parseRedisStoreConfig({ ...base, connection: 'cluster', clusterNodes: 'a:1', database: 2 })).toThrow(/only database 0/);
		expect(() => parseRedisStoreConfig({ ...base, connection: 'sentinel', sentinels: 'a', masterName: '' })).toThrow(/Master Name is empty/);
		expect(parseRedisStoreConfig({ ...base, connection: 'sentinel', sentinels: 's1 s2:26380', masterName: 'mymaster' })).toMatchObject({
			nodes: [
				{ host: 's1', port: 26379 },
				{ host: 's2', port: 26380 },
			],
			masterName: 'mymaster',
		});
	});

	it('one batch of 300 contacts reaches all three masters and answers in order', async () => {
		const namespace = uniqueNamespace('spread');
		const store = RedisStore.standalone(cluster.config(namespace));
		try {
			const contacts = Array.from({ length: 300 }, (_, i) => `spread-${i}@example.com`);
			const masters = new Set(await Promise.all(contacts.slice(0, 30).map((c) => cluster.masterOf(store.keys.key(c, 'capLog')))));
			expect(masters.size).toBe(3);
			const decisions = await store.caps.apply(contacts.map((contactId, i) => reserve(contactId, i % 2 === 0 ? 1 : 0)));
			expect(decisions.map((d) => d.allowed)).toEqual(contacts.map((_, i) => i % 2 === 0));
			const events = contacts.map((contactId, i) => ({ id: `e-${i}`, contactId, name: 'purchase', occurredAt: Date.now(), properties: { i } }));
			await store.events.record(events, { historyLimit: 10, ttlSeconds: 600 });
			const lists = await store.events.list(contacts.map((contactId) => ({ contactId })));
			expect(lists.map((l) => l[0]?.properties.i)).toEqual(contacts.map((_, i) => i));
		} finally {
			await cluster.deleteNamespace(namespace);
			await store.close();
		}
	});

	it('a batch call naming keys of two slots is refused before anything is sent', () => {
		const store = RedisStore.standalone(cluster.config(uniqueNamespace('crossslot')));
		const pipeline = store.ctx.client.pipeline();
		expect(keySlot('a')).not.toBe(keySlot('b'));
		expect(() => pipeline.del('a', 'b')).toThrow(/several hash slots/);
		return store.close();
	});
});

const LIMIT = 5;
const fiveADay = { kind: 'limit', id: 'five a day', scope: 'all', limit: LIMIT, window: { kind: 'rolling', ms: 86_400_000 } } as const;

function reserve(contactId: string, limit = LIMIT): CapRequest {
	return { mode: 'reserve', contactId, rules: [{ ...fiveADay, limit }] };
}

describe('a master crashes while caps are consumed (Replica Confirmations: 1)', () => {
	it('no counted send is lost and no cap over-allows; the promoted replica runs the scripts', async () => {
		const namespace = uniqueNamespace('failover');
		// a generous timeout: on a loaded machine a batch may be slow, and that is not what is tested
		const config = cluster.config(namespace, { replicaAcks: 1, commandTimeoutMs: 4000 });
		// four consumers, each with its own cluster client (as four n8n workers would be)
		const stores = Array.from({ length: 4 }, () => RedisStore.standalone(config));
		const contacts = Array.from({ length: 40 }, (_, i) => `failover-${i}@example.com`);
		const allowed = new Map<string, number>(contacts.map((c) => [c, 0]));
		const victim = await cluster.masterOf(stores[0].keys.key(contacts[0], 'capLog'));
		const onVictim = new Set<string>();
		for (const c of contacts) if ((await cluster.masterOf(stores[0].keys.key(c, 'capLog'))) === victim) onVictim.add(c);
		expect(onVictim.size).toBeGreaterThan(0);

		// connected and scripts loaded before the clock starts
		await Promise.all(stores.map((store) => store.caps.apply(contacts.map((contactId) => ({ ...reserve(contactId), mode: 'check' as const })))));

		let phase: 'before' | 'during' | 'after' = 'before';
		const failedBatches = { before: 0, during: 0, after: 0 };
		const allowedOnVictimBeforeKill = { count: 0 };
		/** contacts capped by the limit since the promotion */
		const saturated = new Set<string>();
		let round = 0;
		const consume = async (store: RedisStore, worker: number) => {
			while (!(phase === 'after' && saturated.size === contacts.length)) {
				round++;
				// five contacts per batch, overlapping between workers
				const batch = Array.from({ length: 5 }, (_, k) => contacts[(round * 7 + worker * 11 + k * 13) % contacts.length]);
				const at = phase;
				let decisions: CapDecision[];
				try {
					decisions = await store.caps.apply(batch.map((c) => reserve(c)));
				} catch (error) {
					if (!(error instanceof StoreUnavailableError)) throw error;
					failedBatches[at]++;
					await sleep(50);
					continue;
				}
				decisions.forEach((d, k) => {
					if (d.allowed) {
						allowed.set(batch[k], allowed.get(batch[k])! + 1);
						if (phase === 'before' && onVictim.has(batch[k])) allowedOnVictimBeforeKill.count++;
					} else if (phase === 'after' && d.reason === 'limit_reached') saturated.add(batch[k]);
				});
				await sleep(5);
			}
		};
		const consumers = stores.map((store, w) => consume(store, w));
		try {
			// let the victim's contacts get some allowed sends, then crash their master mid-stream
			while (allowedOnVictimBeforeKill.count < onVictim.size) await sleep(5);
			const replica = await cluster.killMaster(victim);
			phase = 'during';
			await cluster.waitPromoted(replica);
			// the promoted master has no replica to confirm writes until the crashed node is back
			// (it rejoins as the new master's replica): until then writes to its slots fail
			await cluster.restart(victim);
			phase = 'after';
			await Promise.all(consumers);

			// no cap over-allows: had the crash lost a counted send, its contact would have been allowed again
			for (const c of contacts) expect(allowed.get(c), c).toBeLessThanOrEqual(LIMIT);
			// and every contact is now at its limit on the cluster, the victim's on the promoted replica
			const check = await stores[0].caps.apply(contacts.map((contactId) => ({ ...reserve(contactId), mode: 'check' as const })));
			for (const d of check) expect(d).toMatchObject({ allowed: false, reason: 'limit_reached', count: LIMIT });
			// the crash was felt: calls to the dead master failed (each failure was a
			// StoreUnavailableError, which a node turns into its store-down policy; anything else
			// would have failed the consumer)
			expect(failedBatches.during).toBeGreaterThan(0);
			// the victim's contacts were served again, by the promoted replica (a new connection:
			// the scripts were sent again there, not refused with NOSCRIPT)
			expect(await cluster.masterOf(stores[0].keys.key(contacts[0], 'capLog'))).toBe(replica);
		} finally {
			phase = 'after';
			for (const c of contacts) saturated.add(c);
			await Promise.allSettled(consumers);
			await cluster.deleteNamespace(namespace);
			await Promise.all(stores.map((s) => s.close()));
		}
	}, 120_000);
});
