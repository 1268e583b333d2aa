/**
 * Redis sizing for README "Running at scale": what a contact costs in memory (Redis `MEMORY
 * USAGE` of every key the store wrote, summed) after messages went through Frequency Cap (check
 * and reserve, three caps) and Channel Send (claim + settle in the exactly-once log), and that
 * every key the store wrote expires. Prints the bytes per contact; fails if a contact grows past
 * the bound the README gives (so a change that bloats the keys shows up here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import type { CapRule } from '../../../lib/store/types';
import { adminClient, deleteNamespace, requireRedis, scanKeys, storeConfig, uniqueNamespace } from '../helpers/redis';

const CONTACTS = 500;
const HOUR = 3_600_000;
const RULES: CapRule[] = [
	{ kind: 'limit', id: '3 per day', scope: 'all', limit: 3, window: { kind: 'rolling', ms: 24 * HOUR } },
	{ kind: 'limit', id: '10 per week', scope: 'all', limit: 10, window: { kind: 'rolling', ms: 7 * 24 * HOUR } },
	{ kind: 'limit', id: '2 email per day', scope: 'channel', limit: 2, window: { kind: 'rolling', ms: 24 * HOUR } },
];
/** README "Running at scale" quotes these bounds: keep them in step */
const BOUND_BYTES = { 1: 1024, 10: 3072 } as const;

beforeAll(requireRedis);
const admin = adminClient();
afterAll(() => admin.quit());

async function bytesPerContact(messagesPerContact: number): Promise<{ bytes: number; keys: number; withoutTtl: string[] }> {
	const namespace = uniqueNamespace('sizing');
	const store = RedisStore.standalone(storeConfig(namespace));
	try {
		const contacts = Array.from({ length: CONTACTS }, (_, i) => `contact-${i}@example.com`);
		const log = { retentionMs: 30 * 24 * HOUR };
		for (let m = 0; m < messagesPerContact; m++) {
			const keyOf = (c: string) => `journey-welcome:${c}:${m}`;
			// a contact posted again within the day is capped: only `record` of past sends keeps growing the log
			await store.caps.apply(contacts.map((contactId) => ({ mode: 'record', contactId, messageKey: keyOf(contactId), channel: m % 2 ? 'email' : 'sms' })));
			await store.caps.apply(contacts.map((contactId) => ({ mode: 'check', contactId, channel: 'email', rules: RULES })));
			const claims = contacts.map((contactId) => ({ contactId, messageKey: keyOf(contactId), token: `t-${m}`, leaseMs: 60_000, takeUnknown: false }));
			await store.sends.claim(claims, log);
			await store.sends.settle(claims.map((c) => ({ contactId: c.contactId, messageKey: c.messageKey, token: c.token, outcome: 'sent' as const, messageId: `msg-${c.contactId}-${m}` })), log);
		}
		const keys = await scanKeys(admin, `${namespace}:*`);
		let bytes = 0;
		const withoutTtl: string[] = [];
		for (const key of keys) {
			bytes += Number(await admin.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
			if ((await admin.pttl(key)) < 0) withoutTtl.push(key);
		}
		return { bytes: bytes / CONTACTS, keys: keys.length / CONTACTS, withoutTtl };
	} finally {
		await deleteNamespace(admin, namespace);
		await store.close();
	}
}

describe('Redis memory per contact', () => {
	for (const messages of [1, 10] as const) {
		it(`${messages} message(s) capped and sent per contact: every key expires, and a contact stays under ${BOUND_BYTES[messages]} bytes`, async () => {
			const { bytes, keys, withoutTtl } = await bytesPerContact(messages);
			console.log(`[redis sizing] ${messages} message(s) per contact: ${Math.round(bytes)} bytes in ${keys} key(s) per contact (MEMORY USAGE)`);
			expect(withoutTtl).toEqual([]);
			expect(keys).toBeGreaterThanOrEqual(2);
			expect(bytes).toBeLessThan(BOUND_BYTES[messages]);
		});
	}
});
