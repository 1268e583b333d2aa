/**
 * Key hygiene: whatever the contact id (colons, braces, spaces, unicode,
 * 10 kB), every key is `<namespace>:<kind>:{<22 base64url chars>}:<suffix>`, holds no raw id,
 * all keys of one contact sit in one Redis Cluster slot, and every key has a TTL. Two
 * namespaces never see each other's counts or events.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapRule } from '../../../lib/store/caps';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { adminClient, deleteNamespace, requireRedis, scanKeys, storeConfig, uniqueNamespace } from '../helpers/redis';

beforeAll(requireRedis);
const admin = adminClient();
const namespaces: string[] = [];
afterAll(async () => {
	for (const ns of namespaces) await deleteNamespace(admin, ns);
	await admin.quit();
});

function ns(prefix: string): string {
	const name = uniqueNamespace(prefix);
	namespaces.push(name);
	return name;
}

/** CRC16-XMODEM (polynomial 0x1021), as the Redis Cluster spec defines it. */
function crc16(data: Buffer): number {
	let crc = 0;
	for (const byte of data) {
		crc ^= byte << 8;
		for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
	}
	return crc;
}

/** The cluster slot of a key: CRC16 of the first non-empty {…} section, else of the whole key, mod 16384. */
function clusterSlot(key: string): number {
	const bytes = Buffer.from(key);
	const open = bytes.indexOf('{');
	if (open >= 0) {
		const close = bytes.indexOf('}', open + 1);
		if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % 16384;
	}
	return crc16(bytes) % 16384;
}

const rules: CapRule[] = [
	{ kind: 'limit', id: 'day', scope: 'channel', limit: 5, window: { kind: 'calendar', unit: 'day' } },
	{ kind: 'gap', id: 'gap', scope: 'all', gapMs: 1000 },
];

describe('Redis keys', () => {
	it('the slot function matches known Redis values', () => {
		// from the Redis Cluster specification and `CLUSTER KEYSLOT`
		expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
		expect(clusterSlot('foo')).toBe(12182);
		expect(clusterSlot('{user1000}.following')).toBe(clusterSlot('{user1000}.followers'));
		// the spec's hash-tag examples: an empty {} hashes the whole key; the first { pairs with the next }
		expect(clusterSlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % 16384);
		expect(clusterSlot('foo{{bar}}zap')).toBe(crc16(Buffer.from('{bar')) % 16384);
		expect(clusterSlot('foo{bar}{zap}')).toBe(crc16(Buffer.from('bar')) % 16384);
	});

	it('fuzzed contact ids give well-formed keys without the raw id, one slot per contact, a TTL on every key', async () => {
		const namespace = ns('keys');
		const store = RedisStore.standalone(storeConfig(namespace));
		const tricky = fc.oneof(
			fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
			fc.string({ unit: fc.constantFrom(':', '{', '}', ' ', '*', '?', '[', ']', '\\', '\n', '\u0000', 'a', 'ü', '한', '😀'), minLength: 1, maxLength: 30 }),
			fc.emailAddress(),
			fc.constantFrom('{}', '{', '}', '}{', ':', 'a:b:{c}', ' ', 'x'.repeat(10_240), '📧'.repeat(3000), 'user@example.com'),
		);
		try {
			await fc.assert(
				fc.asyncProperty(fc.uniqueArray(tricky, { minLength: 1, maxLength: 8 }), async (contactIds) => {
					await store.caps.apply(
						contactIds.map((contactId, i) => ({
							mode: 'reserve' as const,
							contactId,
							channel: `ch-${contactId}`,
							tags: [contactId],
							campaign: contactId,
							messageKey: `key-${contactId}`,
							timeZone: 'Asia/Seoul',
							rules: i % 2 ? rules : [],
						})),
					);
					await store.events.record(
						contactIds.map((contactId) => ({ id: `ev-${contactId}`, contactId, name: 'open', properties: { contactId }, occurredAt: 1 })),
						{ historyLimit: 10, ttlSeconds: 600 },
					);
					const keys = await scanKeys(admin, `${namespace}:*`);
					const format = new RegExp(`^${namespace.replace(/[.-]/g, '\\$&')}:(cap|ev):\\{[A-Za-z0-9_-]{22}\\}:(log|hist|seen)$`);
					for (const key of keys) {
						expect(key).toMatch(format);
						expect(await admin.pttl(key), `${key} has a TTL`).toBeGreaterThan(0);
					}
					for (const contactId of contactIds) {
						const own = store.keys.allKeys(contactId).filter((k) => keys.includes(k));
						// cap log, event history, event dedupe marks
						expect(own).toHaveLength(3);
						expect(new Set(own.map(clusterSlot)).size).toBe(1);
						if (contactId.length >= 6) {
							for (const key of keys) expect(key.includes(contactId)).toBe(false);
							// nor in the cap log's value (message keys, channels, tags are digests there)
							const log = await admin.getBuffer(store.keys.key(contactId, 'capLog'));
							expect(log?.includes(Buffer.from(contactId))).toBe(false);
						}
					}
				}),
				{ numRuns: 30 },
			);
		} finally {
			await store.close();
		}
	});

	it('two namespaces never see each other\'s counts or events (same secret, same contact)', async () => {
		const a = RedisStore.standalone(storeConfig(ns('client-a')));
		const b = RedisStore.standalone(storeConfig(ns('client-b')));
		try {
			const rule: CapRule[] = [{ kind: 'limit', id: 'cap', scope: 'all', limit: 2, window: { kind: 'rolling', ms: 3_600_000 } }];
			const reserve = { mode: 'reserve' as const, contactId: 'shared@example.com', rules: rule };
			const inA = await a.caps.apply([reserve, reserve, reserve]);
			expect(inA.map((d) => d.allowed)).toEqual([true, true, false]);
			const inB = await b.caps.apply([reserve, reserve]);
			expect(inB.map((d) => d.count)).toEqual([1, 2]);
			await a.events.record([{ id: 'e1', contactId: 'shared@example.com', name: 'open', properties: {}, occurredAt: 1 }], {
				historyLimit: 10,
				ttlSeconds: 60,
			});
			expect(await b.events.list([{ contactId: 'shared@example.com' }])).toEqual([[]]);
			expect((await a.events.list([{ contactId: 'shared@example.com' }]))[0]).toHaveLength(1);
			// same id recorded in B is new there
			const [again] = await b.events.record([{ id: 'e1', contactId: 'shared@example.com', name: 'open', properties: {}, occurredAt: 1 }], {
				historyLimit: 10,
				ttlSeconds: 60,
			});
			expect(again.recorded).toBe(true);
			const keysA = await scanKeys(admin, `${a.info.namespace}:*`);
			const keysB = await scanKeys(admin, `${b.info.namespace}:*`);
			expect(keysA.length).toBeGreaterThan(0);
			expect(keysA.filter((k) => keysB.includes(k))).toEqual([]);
		} finally {
			await a.close();
			await b.close();
		}
	});

	it('the credential test fails on an eviction policy other than noeviction, and says why', async () => {
		const { probeRedis } = await import('../../../lib/store/redis/connection');
		const ok = await probeRedis(storeConfig(ns('probe')));
		const policy = ((await admin.call('CONFIG', 'GET', 'maxmemory-policy')) as string[])[1];
		if (policy === 'noeviction') expect(ok).toMatchObject({ ok: true, evictionPolicy: 'noeviction' });
		const { ThrowawayRedis } = await import('../helpers/redis');
		const server = await ThrowawayRedis.start();
		const other = adminClient(server.port, '127.0.0.1');
		try {
			await other.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
			const bad = await probeRedis(storeConfig(ns('probe'), { host: '127.0.0.1', port: server.port }));
			expect(bad.ok).toBe(false);
			expect(bad.message).toMatch(/allkeys-lru/);
			expect(bad.message).toMatch(/silently resets frequency caps/);
			await server.stop();
			const down = await probeRedis(storeConfig(ns('probe'), { host: '127.0.0.1', port: server.port }));
			expect(down).toMatchObject({ ok: false, message: expect.stringMatching(/Could not connect/) });
		} finally {
			other.disconnect();
			await server.stop();
		}
	});
});
