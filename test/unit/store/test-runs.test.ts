/**
 * Runs started from the editor (n8n's `manual` mode, also test webhooks) keep their state in a
 * separate test store unless the node's "Test Runs Use" says Production: clicking Execute step
 * on pinned contacts must not reserve caps, record events, remember delivery ids or erase
 * anything of real contacts. Checked for every node that writes, over the process memory
 * stores, and for the Redis namespace the test store uses.
 */
import { randomUUID } from 'node:crypto';
import type { IWebhookFunctions } from 'n8n-workflow';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedisPool, getMemoryStore, resolveStore, TEST_STORE_SUFFIX, usesTestStore } from '../../../lib';
import { signedHeaders } from '../../../lib/events/signature';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { fakeExecute, fakeWebhook } from '../events/helpers';
import { runCap } from '../frequency-cap/context';

const production = getMemoryStore();
const testStore = getMemoryStore(`default${TEST_STORE_SUFFIX}`);
const contact = () => `c-${randomUUID()}`;
const oneCap = { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'rolling', amount: 1, unit: 'hours' }] };
const capParameters = (contactId: string, extra: Record<string, unknown> = {}) => ({
	operation: 'checkAndReserve',
	contactId,
	caps: oneCap,
	store: 'memory',
	options: {},
	...extra,
});

afterAll(async () => {
	await closeRedisPool();
});

describe('test runs from the editor', () => {
	it('are runs in manual mode, unless the node says Test Runs Use: The Production Store', () => {
		const ctx = (mode: string, testRunStore?: string) =>
			({ getMode: () => mode, getNodeParameter: (name: string, _i: number, fallback: unknown) => (name === 'testRunStore' && testRunStore ? testRunStore : fallback) }) as never;
		expect(usesTestStore(ctx('manual'))).toBe(true);
		expect(usesTestStore(ctx('manual', 'test'))).toBe(true);
		expect(usesTestStore(ctx('manual', 'production'))).toBe(false);
		for (const mode of ['webhook', 'trigger', 'retry', 'integrated']) expect(usesTestStore(ctx(mode))).toBe(false);
	});

	it('Frequency Cap: four test clicks on Check and Reserve leave the real contact uncapped', async () => {
		const c = contact();
		for (let click = 0; click < 4; click++) {
			await runCap({ items: [{ contactId: c }], parameters: capParameters(c), mode: 'manual', executionId: `click-${click}` });
		}
		const [allowed] = await runCap({ items: [{ contactId: c }], parameters: capParameters(c), executionId: 'live' });
		expect(allowed).toHaveLength(1);
		// the test clicks counted among themselves: the second one was capped
		const [, capped] = await runCap({ items: [{ contactId: c }], parameters: capParameters(c), mode: 'manual', executionId: 'click-5' });
		expect(capped[0].json.frequencyCap).toMatchObject({ reason: 'limit_reached' });
	});

	it('Frequency Cap: with Test Runs Use = The Production Store a test click counts for real', async () => {
		const c = contact();
		await runCap({ items: [{ contactId: c }], parameters: capParameters(c, { testRunStore: 'production' }), mode: 'manual', executionId: 'click' });
		const [, capped] = await runCap({ items: [{ contactId: c }], parameters: capParameters(c), executionId: 'live' });
		expect(capped).toHaveLength(1);
	});

	it('Journey Event: a test run records and erases in the test store only', async () => {
		const node = new JourneyEvent();
		const c = contact();
		await production.events.record([{ id: 'real', contactId: c, name: 'purchase', properties: {}, occurredAt: Date.now() }], { historyLimit: 10, ttlSeconds: 60 });
		const record = fakeExecute({ items: [{ contactId: c }], parameters: { operation: 'record', store: 'memory', contactId: c, eventName: 'signup', options: {} }, mode: 'manual' });
		await node.execute.call(record.ctx);
		expect((await production.events.list([{ contactId: c }]))[0].map((e) => e.name)).toEqual(['purchase']);
		expect((await testStore.events.list([{ contactId: c }]))[0].map((e) => e.name)).toEqual(['signup']);

		const erase = fakeExecute({ items: [{ contactId: c }], parameters: { operation: 'erase', store: 'memory', contactId: c }, mode: 'manual' });
		const [[erased]] = await node.execute.call(erase.ctx);
		expect(erased.json.journeyEvent).toMatchObject({ erased: true, removedKeys: expect.any(Number) });
		expect((await production.events.list([{ contactId: c }]))[0].map((e) => e.id)).toEqual(['real']);
		expect(await testStore.events.list([{ contactId: c }])).toEqual([[]]);
	});

	it('Journey Event Trigger: a test delivery is recorded in the test store, and its webhook-id is not used up for live deliveries', async () => {
		const trigger = new JourneyEventTrigger();
		const secret = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
		const c = contact();
		const raw = Buffer.from(JSON.stringify({ id: 'ev-1', contactId: c, name: 'purchase' }));
		const id = `msg_${randomUUID()}`;
		const deliver = (mode: string) => {
			const hook = fakeWebhook({
				body: JSON.parse(raw.toString()),
				rawBody: raw,
				headers: signedHeaders(secret, id, Math.floor(Date.now() / 1000), raw),
				parameters: { store: 'memory', record: true, options: {} },
				credentials: { secret },
				mode,
			});
			return trigger.webhook.call(hook.ctx as IWebhookFunctions);
		};
		expect((await deliver('manual')).webhookResponse).toMatchObject({ recorded: 1 });
		expect(await production.events.list([{ contactId: c }])).toEqual([[]]);
		expect((await testStore.events.list([{ contactId: c }]))[0].map((e) => e.id)).toEqual(['ev-1']);
		// the same delivery sent live afterwards is not refused as a replay of the test
		expect((await deliver('webhook')).webhookResponse).toMatchObject({ recorded: 1 });
		expect((await production.events.list([{ contactId: c }]))[0].map((e) => e.id)).toEqual(['ev-1']);
	});

	it('Redis: the test store is the credential\'s namespace followed by .test-runs; a namespace too long for it is named in the error', async () => {
		const credential = { host: '127.0.0.1', port: 6379, database: 0, namespace: 'acme', hashSecret: 'a-long-enough-secret-0123' };
		const ctx = (mode: string, namespace = credential.namespace) =>
			({
				getMode: () => mode,
				getNode: () => ({ name: 'Node' }),
				getNodeParameter: (name: string, _i: number, fallback: unknown) => (name === 'store' ? 'redis' : fallback),
				getCredentials: async () => ({ ...credential, namespace }),
			}) as never;
		expect((await resolveStore(ctx('webhook'))).info.namespace).toBe('acme');
		expect((await resolveStore(ctx('manual'))).info.namespace).toBe('acme.test-runs');
		await expect(resolveStore(ctx('manual', 'n'.repeat(60)))).rejects.toMatchObject({
			message: expect.stringMatching(/too long for a test store/),
			description: expect.stringMatching(/Test Runs Use/),
		});
	});
});
