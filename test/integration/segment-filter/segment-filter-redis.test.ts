/**
 * The Segment Filter on the Redis store: event conditions read the histories a Journey Event
 * recorded in Redis, through the node's "Store" parameter and its credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisPool } from '../../../lib';
import { getRedisStore } from '../../../lib/store/redis/RedisStore';
import { SegmentFilterV1 } from '../../../nodes/SegmentFilter/SegmentFilterV1';
import { executeContext } from '../../unit/helpers/executeContext';
import { requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';

const rulesJson = JSON.stringify({
	all: [
		{ fact: 'plan', operator: 'equal', value: 'pro' },
		{ fact: 'eventCount', params: { event: 'purchase', within: '30d' }, operator: 'greaterThanInclusive', value: 2 },
	],
});

describe('Segment Filter with Store: Redis', () => {
	const config = storeConfig(uniqueNamespace('sf'));

	beforeAll(requireRedis);
	afterAll(() => closeRedisPool());

	it('counts events recorded in Redis for the contacts the attribute conditions let through', async () => {
		const store = getRedisStore(config);
		const now = Date.now();
		await store.events.record(
			[
				{ id: 'p1', contactId: 'ada@example.com', name: 'purchase', properties: {}, occurredAt: now - 1000 },
				{ id: 'p2', contactId: 'ada@example.com', name: 'purchase', properties: {}, occurredAt: now - 2000 },
				{ id: 'p3', contactId: 'bob@example.com', name: 'purchase', properties: {}, occurredAt: now - 3000 },
			],
			{ historyLimit: 100, ttlSeconds: 3600 },
		);
		const ctx = executeContext({
			items: [
				{ contactId: 'ada@example.com', plan: 'pro' },
				{ contactId: 'bob@example.com', plan: 'pro' },
				{ contactId: 'cyd@example.com', plan: 'free' },
			],
			parameters: {
				mode: 'rules',
				rulesJson,
				store: 'redis',
				contactId: (_: number, item: { json: Record<string, unknown> }) => item.json.contactId,
				timezone: '',
				options: {},
			},
			credentials: { journeyStoreRedisApi: { ...config } },
		});
		const [matched, notMatched] = await new SegmentFilterV1({ displayName: 'Segment Filter', name: 'segmentFilter', group: ['transform'], description: '' }).execute.call(ctx);
		expect(matched.map((i) => i.json.contactId)).toEqual(['ada@example.com']);
		expect(notMatched.map((i) => i.json.contactId)).toEqual(['bob@example.com', 'cyd@example.com']);
	});

	it('names the Store parameter when no Redis credential is set', async () => {
		const ctx = executeContext({
			items: [{ contactId: 'ada@example.com', plan: 'pro' }],
			parameters: { mode: 'rules', rulesJson, store: 'redis', contactId: 'ada@example.com', timezone: '', options: {} },
		});
		await expect(new SegmentFilterV1({ displayName: 'Segment Filter', name: 'segmentFilter', group: ['transform'], description: '' }).execute.call(ctx)).rejects.toThrow(/Could not read contact events from the store: No Journey Store \(Redis\) credential/);
	});
});
