/**
 * The Lead Score node on the Redis store (real Redis): a batch of events for several contacts
 * in one execution, erase through the store, and the decision deadline — a step that reaches
 * Redis after it writes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisPool } from '../../../lib/store/redis/connection';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { sendScript } from '../../../lib/store/redis/scripts';
import { LeadScore } from '../../../nodes/LeadScore/LeadScore.node';
import { executeContext } from '../../unit/helpers/executeContext';
import { adminClient, deleteNamespace, HASH_SECRET, REDIS_HOST, REDIS_PORT, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';

const namespace = uniqueNamespace('score');
const admin = adminClient();
beforeAll(requireRedis);
afterAll(async () => {
	await deleteNamespace(admin, namespace);
	await admin.quit();
	await closeRedisPool();
});

const node = new LeadScore();
const view = (contactId: string, i: number) => ({ contactId, name: 'page_viewed', id: `v-${contactId}-${i}`, properties: { path: '/pricing' }, occurredAt: new Date().toISOString() });

async function score(items: Array<Record<string, unknown>>) {
	return await node.execute.call(
		executeContext({
			items,
			parameters: {
				operation: 'score',
				store: 'redis',
				modelSource: 'builder',
				'rules.rule': [{ name: 'pricing', field: 'event.properties.path', operator: 'startsWith', value: '/pricing', points: 10, group: 'engagement', repeat: 'every' }],
				'groups.group': [{ group: 'engagement', cap: 45, decay: 'linear', percent: 10, days: 7 }],
				'thresholds.threshold': [{ name: 'mql', score: 30, appliesTo: 'total' }],
				totalCap: 0,
				contactId: (_: number, item: INodeExecutionData) => item.json.contactId,
				eventField: 'event',
				timezone: '',
				options: {},
			},
			rawParameters: { contactId: '={{ $json.contactId }}', timezone: '' },
			credentials: { journeyStoreRedisApi: { host: REDIS_HOST, port: REDIS_PORT, namespace, hashSecret: HASH_SECRET, commandTimeoutMs: 5000 } },
		}),
	);
}

describe('Lead Score node on Redis', () => {
	it('scores a batch of several contacts in one execution: each qualifies once, caps hold', async () => {
		const a = `a-${randomUUID()}`;
		const b = `b-${randomUUID()}`;
		const items = [0, 1, 2, 3, 4, 5].flatMap((i) => [view(a, i), view(b, i)]);
		const [qualified, notQualified] = await score(items);
		expect(qualified.map((q) => [q.json.contactId, (q.json.leadScore as { total: number }).total])).toEqual([
			[a, 30],
			[b, 30],
		]);
		expect(qualified.map((q) => q.pairedItem)).toEqual([{ item: 4 }, { item: 5 }]);
		const last = notQualified.filter((n) => (n.pairedItem as { item: number }).item >= 10).map((n) => n.json.leadScore as { total: number; rules: Array<{ points: number }> });
		expect(last.map((s) => s.total)).toEqual([45, 45]);
		expect(last.map((s) => s.rules[0].points)).toEqual([0, 0]);
		// the same deliveries again (a retry): nothing counts twice
		const [again] = await score(items);
		expect(again.map((q) => (q.json.leadScore as { duplicate: boolean }).duplicate)).toEqual([true, true]);
	});

	it('a step that reaches Redis after its deadline writes nothing; erase removes every score key', async () => {
		const store = RedisStore.standalone(storeConfig(namespace));
		try {
			await store.ctx.ready(store.ctx.deadline());
			const c = `late-${randomUUID()}`;
			const state = store.keys.key(c, 'scoreState');
			const log = store.keys.key(c, 'scoreLog');
			const settings = JSON.stringify({ groups: [{ n: 'fit', k: 'none' }], th: [] });
			const payload = JSON.stringify({ awards: [{ r: 'r', g: 'fit', p: 5, k: 'every' }] });
			const args = ['0', 'apply', 60_000, 10, settings, payload];
			await expect(sendScript(store.ctx.client, 'scoreApply', [state, log], args, Date.now() - 1000)).rejects.toThrow(/JOURNEYS_DEADLINE/);
			expect(await admin.exists(state, log)).toBe(0);
			const onTime = await sendScript(store.ctx.client, 'scoreApply', [state, log], args, Date.now() + 10_000);
			expect(JSON.parse(onTime as string).total).toBe(5);
			expect(await admin.exists(state, log)).toBe(2);
			const [erased] = await store.contacts.erase([c]);
			expect(erased.removed).toBeGreaterThanOrEqual(2);
			expect(await admin.exists(state, log)).toBe(0);
		} finally {
			await store.close();
		}
	});
});
