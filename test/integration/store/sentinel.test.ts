/**
 * The Sentinel connection type on real processes: a master, its replica and one sentinel
 * (redis-server --sentinel) on free ports. The store finds the master through the sentinel, and
 * after the master crashes and the sentinel promotes the replica it reconnects there, with every
 * counted send still counted (Replica Confirmations 1).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapRequest } from '../../../lib/store/caps';
import { parseRedisStoreConfig, probeRedis } from '../../../lib/store/redis/connection';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { StoreUnavailableError } from '../../../lib/store/unavailable';
import { HASH_SECRET, START_REDIS, freePort, sleep, uniqueNamespace } from '../helpers/redis';

const dir = mkdtempSync(path.join(os.tmpdir(), 'journeys-sentinel-'));
const processes = new Map<number, ChildProcess>();
let masterPort: number;
let replicaPort: number;
let sentinelPort: number;

async function launch(port: number, args: string[]): Promise<void> {
	const child = spawn('redis-server', args, { stdio: 'ignore' });
	processes.set(port, child);
	const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`could not run redis-server (${error.message}): ${START_REDIS}`))));
	const deadline = Date.now() + 10_000;
	for (;;) {
		const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
		client.on('error', () => undefined);
		const up = await Promise.race([client.connect().then(() => client.ping(), () => undefined), failed]).finally(() => client.disconnect());
		if (up === 'PONG') return;
		if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
		await sleep(50);
	}
}

const server = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--dir', dir];

beforeAll(async () => {
	[masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
	await launch(masterPort, server(masterPort));
	await launch(replicaPort, [...server(replicaPort), '--replicaof', '127.0.0.1', String(masterPort)]);
	const conf = path.join(dir, 'sentinel.conf');
	writeFileSync(
		conf,
		[
			`port ${sentinelPort}`,
			'bind 127.0.0.1',
			`dir ${dir}`,
			`sentinel monitor journeys 127.0.0.1 ${masterPort} 1`,
			'sentinel down-after-milliseconds journeys 1000',
			'sentinel failover-timeout journeys 5000',
		].join('\n') + '\n',
	);
	await launch(sentinelPort, [conf, '--sentinel']);
	// the replica in sync before the tests write
	const replica = new Redis({ port: replicaPort });
	for (let i = 0; i < 200 && !/master_link_status:up/.test(await replica.info('replication')); i++) await sleep(50);
	await replica.quit();
}, 60_000);

afterAll(async () => {
	for (const child of processes.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	rmSync(dir, { recursive: true, force: true });
});

/** Polls the replica (the master to be) until `check` holds, for up to 30 s. */
async function until(check: (node: Redis) => Promise<boolean>): Promise<void> {
	const node = new Redis({ port: replicaPort });
	try {
		for (let i = 0; !(await check(node)); i++) {
			if (i > 300) throw new Error('the sentinel did not fail over within 30 s');
			await sleep(100);
		}
	} finally {
		await node.quit();
	}
}

/** Runs a store call until it stops failing with StoreUnavailableError (the failover), for up to 30 s. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		try {
			return await call();
		} catch (error) {
			if (!(error instanceof StoreUnavailableError) || Date.now() > deadline) throw error;
			await sleep(200);
		}
	}
}

const credential = (namespace: string, extra: Record<string, unknown> = {}) => ({
	connection: 'sentinel',
	sentinels: `127.0.0.1:${sentinelPort}`,
	masterName: 'journeys',
	namespace,
	hashSecret: HASH_SECRET,
	commandTimeoutMs: 1000,
	...extra,
});

const reserve = (contactId: string): CapRequest => ({
	mode: 'reserve',
	contactId,
	rules: [{ kind: 'limit', id: 'three a day', scope: 'all', limit: 3, window: { kind: 'rolling', ms: 86_400_000 } }],
});

describe('the Sentinel connection type', () => {
	it('the credential test reaches the master the sentinel names', async () => {
		const result = await probeRedis(parseRedisStoreConfig(credential(uniqueNamespace('probe'), { replicaAcks: 1 })));
		expect(result).toMatchObject({ ok: true, evictionPolicy: 'noeviction' });
		expect(result.message).toContain(`master "journeys" of sentinels 127.0.0.1:${sentinelPort}`);
	});

	it('after the master crashes, the store follows the sentinel to the promoted replica and every counted send is still counted', async () => {
		const store = RedisStore.standalone(parseRedisStoreConfig(credential(uniqueNamespace('sentinel'), { replicaAcks: 1 })));
		try {
			const contacts = Array.from({ length: 20 }, (_, i) => `sentinel-${i}@example.com`);
			// two of three sends per contact, confirmed by the replica
			for (let round = 0; round < 2; round++) {
				const decisions = await store.caps.apply(contacts.map(reserve));
				expect(decisions.every((d) => d.allowed)).toBe(true);
			}
			processes.get(masterPort)!.kill('SIGKILL');
			// the sentinel promotes the replica; the crashed node comes back and the sentinel makes
			// it the new master's replica (with Replica Confirmations 1, the new master refuses
			// writes until it has one: see README "Redis Cluster")
			await until(async (promoted) => /^role:master/m.test(await promoted.info('replication')));
			await launch(masterPort, server(masterPort));
			await until(async (promoted) => /^connected_slaves:1/m.test(await promoted.info('replication')));
			// the store's client follows the sentinel to the new master: the two confirmed sends
			// of every contact are there (a third may be too: a reservation whose confirmation failed
			// during the failover stays counted without being sent)
			const checked = await retrying(() => store.caps.apply(contacts.map((c) => ({ ...reserve(c), mode: 'check' as const }))));
			for (const d of checked) expect(d.count).toBeGreaterThanOrEqual(2);
			// reserving until every contact is capped: never more than 3 allowed in all
			const allowed = new Map(contacts.map((c) => [c, 2]));
			for (let round = 0; round < 3; round++) {
				const decisions = await retrying(() => store.caps.apply(contacts.map(reserve)));
				decisions.forEach((d, i) => {
					if (d.allowed) allowed.set(contacts[i], allowed.get(contacts[i])! + 1);
					else expect(d).toMatchObject({ reason: 'limit_reached', count: 3 });
				});
			}
			for (const c of contacts) expect(allowed.get(c)).toBeLessThanOrEqual(3);
		} finally {
			await store.close();
		}
	}, 60_000);
});
