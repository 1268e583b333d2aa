import { randomUUID } from 'node:crypto';
import { NodeOperationError } from 'n8n-workflow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMemoryStore, StoreUnavailableError, type CapApplyOptions } from '../../../lib';
import { fromItem, node, runCap } from './context';

const unique = () => randomUUID().slice(0, 8);
const base = (extra: Record<string, unknown> = {}) => ({
	operation: 'checkAndReserve',
	contactId: fromItem('contactId'),
	channel: fromItem('channel'),
	campaign: fromItem('campaign'),
	tags: fromItem('tags'),
	timezone: fromItem('timezone'),
	messageKey: '',
	caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 2, window: 'rolling', amount: 1, unit: 'hours' }] },
	quietHours: false,
	bypass: false,
	store: 'memory',
	options: {},
	...extra,
});

afterEach(() => vi.restoreAllMocks());

describe('Frequency Cap node', () => {
	it('declares usableAsTool and the Redis credential with its test (outputs per mode: editor.test.ts)', () => {
		const d = node.description;
		expect(d.usableAsTool).toBe(true);
		expect(d.credentials).toEqual([
			expect.objectContaining({ name: 'journeyStoreRedisApi', testedBy: 'journeyStoreRedisConnectionTest', displayOptions: { show: { store: ['redis'] } } }),
		]);
		expect(typeof node.methods.credentialTest.journeyStoreRedisConnectionTest).toBe('function');
		const names = d.properties.map((p) => p.name);
		for (const name of ['operation', 'contactId', 'channel', 'campaign', 'tags', 'timezone', 'caps', 'quietHours', 'bypass', 'bypassCounts', 'messageKey', 'store', 'options']) {
			expect(names).toContain(name);
		}
	});

	it('the credential test reports a bad field before connecting', async () => {
		const test = node.methods.credentialTest.journeyStoreRedisConnectionTest;
		const run = (data: Record<string, unknown>) => test.call({} as never, { id: '1', name: 'c', type: 'journeyStoreRedisApi', data } as never);
		const base = { host: '127.0.0.1', port: 6379, database: 0, namespace: 'acme', hashSecret: 'a-long-enough-secret' };
		expect(await run({ ...base, namespace: 'a:b' })).toMatchObject({ status: 'Error', message: expect.stringMatching(/namespace/) });
		expect(await run({ ...base, hashSecret: 'short' })).toMatchObject({ status: 'Error', message: expect.stringMatching(/16 characters/) });
		expect(await run({ ...base, port: 70000 })).toMatchObject({ status: 'Error', message: expect.stringMatching(/port/) });
	});

	it('routes to Allowed until the cap, then Capped, with the decision and pairedItem on every item', async () => {
		const c = `c-${unique()}`;
		const items = [0, 1, 2].map((n) => ({ contactId: c, channel: 'email', n }));
		const [allowed, capped] = await runCap({ items, parameters: base() });
		expect(allowed.map((i) => i.json.n)).toEqual([0, 1]);
		expect(capped.map((i) => i.json.n)).toEqual([2]);
		expect(allowed.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(capped[0].pairedItem).toEqual({ item: 2 });
		expect(allowed[1].json.frequencyCap).toMatchObject({ allowed: true, reason: 'within_limits', rule: '2 per 1 hour (all channels)', count: 2, limit: 2, retryAt: null });
		const decision = capped[0].json.frequencyCap as Record<string, unknown>;
		expect(decision).toMatchObject({ allowed: false, reason: 'limit_reached', rule: '2 per 1 hour (all channels)', count: 2, limit: 2 });
		expect(new Date(decision.retryAt as string).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
		// the contact's own fields travel on
		expect(capped[0].json).toMatchObject({ contactId: c, channel: 'email', n: 2 });
	});

	it('default message keys are stable per execution and item: a retried node takes no new slot', async () => {
		const c = `c-${unique()}`;
		const items = [{ contactId: c }];
		const first = await runCap({ items, parameters: base(), executionId: 'e-100' });
		const retry = await runCap({ items, parameters: base(), executionId: 'e-100' });
		expect(first[0][0].json.frequencyCap).toMatchObject({ reason: 'within_limits', count: 1, messageKey: 'wf-1:Node Under Test:e-100:0' });
		expect(retry[0][0].json.frequencyCap).toMatchObject({ allowed: true, reason: 'already_reserved' });
		const next = await runCap({ items, parameters: base(), executionId: 'e-101' });
		expect(next[0][0].json.frequencyCap).toMatchObject({ reason: 'within_limits', count: 2 });
	});

	it('check only does not count; record counts; release gives the slot back', async () => {
		const c = `c-${unique()}`;
		const item = { contactId: c, channel: 'sms' };
		const check = () => runCap({ items: [item], parameters: base({ operation: 'check' }) });
		expect((await check())[0][0].json.frequencyCap).toMatchObject({ allowed: true, count: 0 });
		expect((await check())[0][0].json.frequencyCap).toMatchObject({ allowed: true, count: 0 });
		const [recorded] = await runCap({ items: [item], parameters: base({ operation: 'record', messageKey: 'sent-elsewhere' }) });
		expect(recorded[0].json.frequencyCap).toMatchObject({ allowed: true, reason: 'recorded' });
		const [reserved] = await runCap({ items: [item], parameters: base({ messageKey: 'm-1' }) });
		expect(reserved[0].json.frequencyCap).toMatchObject({ allowed: true, count: 2, messageKey: 'm-1' });
		expect((await check())[1][0].json.frequencyCap).toMatchObject({ allowed: false, reason: 'limit_reached' });
		// release reads the key the reserving node wrote
		const [released] = await runCap({
			items: [reserved[0].json],
			parameters: { operation: 'release', contactId: fromItem('contactId'), messageKey: (_: number, it: { json: any }) => it.json.frequencyCap.messageKey, store: 'memory', options: {} },
		});
		expect(released[0].json.frequencyCap).toMatchObject({ allowed: true, reason: 'released' });
		expect((await check())[0][0].json.frequencyCap).toMatchObject({ allowed: true, count: 1 });
	});

	it('counts per channel, campaign and tag (tags as a list or a comma string)', async () => {
		const c = `c-${unique()}`;
		const caps = {
			cap: [
				{ type: 'limit', scope: 'channel', maxMessages: 5, window: 'rolling', amount: 1, unit: 'days' },
				{ type: 'limit', scope: 'tag', tag: 'promo', maxMessages: 1, window: 'week' },
			],
		};
		const items = [
			{ contactId: c, channel: 'email', tags: ['promo'], timezone: 'Asia/Seoul' },
			{ contactId: c, channel: 'email', tags: 'news, promo', timezone: 'Asia/Seoul' },
			{ contactId: c, channel: 'email', tags: 'news', timezone: 'Asia/Seoul' },
		];
		const [allowed, capped] = await runCap({ items, parameters: base({ caps }) });
		expect(allowed.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
		expect(capped[0].json.frequencyCap).toMatchObject({ reason: 'limit_reached', rule: '1 per calendar week (tag promo)', count: 1, limit: 1 });
		expect(allowed[1].json.frequencyCap).toMatchObject({ rule: '5 per 1 day (this channel)', count: 2 });
	});

	it('quiet hours use the contact zone, else the fallback zone', async () => {
		const c = `c-${unique()}`;
		// a window that is closed right now in UTC+14 and open in UTC-12 is hard to build; use a 1-minute window instead
		const closedNow = new Date(Date.now() + 2 * 3_600_000);
		const hh = (d: Date, zone: string) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone }).format(d);
		const params = base({
			quietHours: true,
			sendFrom: hh(closedNow, 'Asia/Seoul'),
			sendUntil: hh(new Date(closedNow.getTime() + 60_000), 'Asia/Seoul'),
			options: { fallbackTimezone: 'Asia/Seoul' },
		});
		const [allowed, capped] = await runCap({ items: [{ contactId: c, timezone: 'Asia/Seoul' }, { contactId: c }], parameters: params });
		expect(allowed).toEqual([]);
		expect(capped.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['quiet_hours', 'quiet_hours']);
		const retryAt = new Date((capped[0].json.frequencyCap as any).retryAt).getTime();
		expect(Math.abs(retryAt - closedNow.getTime())).toBeLessThan(60_000);
	});

	it('transactional items bypass caps and quiet hours, counted or not', async () => {
		const c = `c-${unique()}`;
		const caps = { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'rolling', amount: 1, unit: 'hours' }] };
		const items = [{ contactId: c, kind: 'receipt' }, { contactId: c, kind: 'receipt' }, { contactId: c, kind: 'promo' }];
		const bypass = (_: number, item: { json: any }) => item.json.kind === 'receipt';
		const [allowed, capped] = await runCap({ items, parameters: base({ caps, bypass, bypassCounts: true }) });
		expect(allowed.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['bypass', 'bypass']);
		// the receipts counted: the promo is capped
		expect(capped.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['limit_reached']);
		const d = `d-${unique()}`;
		const [allowed2] = await runCap({
			items: [{ contactId: d, kind: 'receipt' }, { contactId: d, kind: 'promo' }],
			parameters: base({ caps, bypass, bypassCounts: false }),
		});
		expect(allowed2.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['bypass', 'within_limits']);
	});

	it('bad input: a NodeOperationError naming the parameter and the item, or an error item on Capped', async () => {
		const items = [{ contactId: `ok-${unique()}` }, { contactId: '' }, { contactId: 'x', timezone: 'Mars/Olympus' }];
		const params = base({ caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'day' }] } });
		const error = await runCap({ items, parameters: params }).catch((e) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(/Contact ID.*Item 2:/); // items counted from 1, as in n8n's panel
		expect(error.context.itemIndex).toBe(1);
		expect(error.description).toMatch(/Contact ID/);

		const [allowed, capped] = await runCap({ items, parameters: params, continueOnFail: true });
		expect(allowed.map((i) => i.pairedItem)).toEqual([{ item: 0 }]);
		expect(capped.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
		expect(capped[1].json.error).toMatch(/Contact Time Zone.*Mars\/Olympus/);

		const channelRule = base({ caps: { cap: [{ type: 'limit', scope: 'channel', maxMessages: 1, window: 'rolling', amount: 1, unit: 'days' }] } });
		await expect(runCap({ items: [{ contactId: 'y' }], parameters: channelRule })).rejects.toThrow(/channel is empty/);
		const badLength = base({ caps: { cap: [{ type: 'gap', scope: 'all', amount: 31, unit: 'days' }] } });
		await expect(runCap({ items: [{ contactId: 'y' }], parameters: badLength })).rejects.toThrow(/cap 1: the minimum gap/);
		await expect(runCap({ items: [{ contactId: 'y' }], parameters: base({ options: { fallbackTimezone: 'Nowhere' } }) })).rejects.toThrow(
			/Fallback Time Zone/,
		);
		await expect(
			runCap({ items: [{ contactId: 'y' }], parameters: { operation: 'release', contactId: fromItem('contactId'), messageKey: '', store: 'memory', options: {} } }),
		).rejects.toThrow(/Message Key is empty/);
	});

	it('without Continue On Fail, a bad item stops the node before any item is reserved', async () => {
		const first = `first-${unique()}`;
		const third = `third-${unique()}`;
		const params = base({ caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'rolling', amount: 1, unit: 'days' }] } });
		const apply = vi.spyOn(getMemoryStore().caps, 'apply');
		const error = await runCap({ items: [{ contactId: first }, { contactId: '' }, { contactId: third }], parameters: params }).catch((e) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.context.itemIndex).toBe(1);
		expect(apply).not.toHaveBeenCalled();
		// the user fixes item 1 and retries: items 0 and 2 take their one slot now, not a second one
		const [allowed] = await runCap({ items: [{ contactId: first }, { contactId: `second-${unique()}` }, { contactId: third }], parameters: params });
		expect(allowed.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('one Decision Timeout for the whole execution, however many store batches it takes', async () => {
		const apply = vi.spyOn(getMemoryStore().caps, 'apply');
		const items = Array.from({ length: 5001 }, (_, i) => ({ contactId: `batch-${i}-${unique()}` }));
		const started = Date.now();
		const [allowed] = await runCap({ items, parameters: base({ options: { decisionTimeoutMs: 60_000 } }) });
		expect(allowed).toHaveLength(5001);
		expect(apply).toHaveBeenCalledTimes(2);
		const deadlines = apply.mock.calls.map((call) => ((call as unknown[])[1] as CapApplyOptions | undefined)?.deadline);
		expect(deadlines[0]).toBe(deadlines[1]);
		expect(deadlines[0]).toBeGreaterThanOrEqual(started + 60_000);
		expect(deadlines[0]).toBeLessThanOrEqual(Date.now() + 60_000);
	});

	it('reads `{{ $json.field }}` parameters straight from the item', async () => {
		const c = `c-${unique()}`;
		const [allowed] = await runCap({
			items: [{ profile: { id: c } }],
			parameters: { ...base(), contactId: () => { throw new Error('not through the expression engine'); } },
			rawParameters: { contactId: '={{ $json.profile.id }}' },
		});
		expect(allowed).toHaveLength(1);
		expect((allowed[0].json.frequencyCap as any).allowed).toBe(true);
	});

	describe('store unavailable', () => {
		const down = () =>
			vi.spyOn(getMemoryStore().caps, 'apply').mockRejectedValue(new StoreUnavailableError('Redis at test:1 is not reachable'));
		const items = () => [{ contactId: `c-${unique()}` }, { contactId: `c-${unique()}` }];

		it('fail closed (default): every item Capped with reason store_unavailable', async () => {
			down();
			const [allowed, capped] = await runCap({ items: items(), parameters: base() });
			expect(allowed).toEqual([]);
			expect(capped.map((i) => i.json.frequencyCap)).toEqual([
				expect.objectContaining({ allowed: false, reason: 'store_unavailable', storeError: expect.stringMatching(/not reachable/) }),
				expect.objectContaining({ allowed: false, reason: 'store_unavailable' }),
			]);
		});

		it('fail open: Allowed with reason store_unavailable; transactional items go out either way', async () => {
			down();
			const [allowed] = await runCap({ items: items(), parameters: base({ options: { onStoreUnavailable: 'failOpen' } }) });
			expect(allowed.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['store_unavailable', 'store_unavailable']);
			const [bypassed] = await runCap({ items: items(), parameters: base({ bypass: true }) });
			expect(bypassed.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['bypass', 'bypass']);
		});

		it('error: a NodeOperationError that says what to change (or error items with continueOnFail)', async () => {
			down();
			const error = await runCap({ items: items(), parameters: base({ options: { onStoreUnavailable: 'error' } }) }).catch((e) => e);
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toMatch(/store is unavailable/);
			expect(error.description).toMatch(/When the Store Is Unavailable/);
			const [, capped] = await runCap({ items: items(), parameters: base({ options: { onStoreUnavailable: 'error' } }), continueOnFail: true });
			expect(capped.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		});

		it('a store that hangs is cut off at the decision timeout', async () => {
			vi.spyOn(getMemoryStore().caps, 'apply').mockReturnValue(new Promise(() => undefined));
			const started = Date.now();
			const [, capped] = await runCap({ items: items(), parameters: base({ options: { decisionTimeoutMs: 150 } }) });
			expect(Date.now() - started).toBeLessThan(150 + 100);
			expect(capped.map((i) => (i.json.frequencyCap as any).reason)).toEqual(['store_unavailable', 'store_unavailable']);
		});
	});
});
