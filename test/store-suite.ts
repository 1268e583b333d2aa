/**
 * The store contract: one suite, run against the memory store (test/unit/store/memory.test.ts)
 * and the Redis store (test/integration/store/redis.test.ts). Both stores must give the same
 * answers; anything a node relies on is asserted here.
 *
 * Time: each fixture can move the store's clock forward (`advance`) without sleeping — the
 * memory store through its injected clock, the Redis store through the scripts' test time
 * offset — and start it at a chosen instant (`startAt`, e.g. on a DST change day). Key TTLs on
 * Redis still run in real time, so TTL expiry is tested with `expire(ms)`, which sleeps there.
 * Decisions carry the store's time (`at`), and the expectations are computed from it.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { CapDecision, CapRequest, CapRule, ContactEvent, JourneyStore } from '../lib/store/types';

export interface StoreFixture {
	store: JourneyStore;
	/** moves the store's clock forward by ms */
	advance(ms: number): void;
	/** lets ms pass for key expiry too (memory: advance; Redis: advance and sleep) */
	expire(ms: number): Promise<void>;
	cleanup(): Promise<void>;
}

export interface StoreFixtureOptions {
	/** epoch ms the store's clock starts at (default: now) */
	startAt?: number;
}

export type MakeStore = (options?: StoreFixtureOptions) => Promise<StoreFixture>;

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Inside a describe: a fixture maker whose stores are cleaned up after each test, for the
 * contract suites of every concept.
 */
export function trackedFixtures(makeStore: MakeStore): MakeStore {
	const open: StoreFixture[] = [];
	afterEach(async () => {
		while (open.length) await open.pop()!.cleanup();
	});
	return async (options?: StoreFixtureOptions) => {
		const f = await makeStore(options);
		open.push(f);
		return f;
	};
}

export function describeStoreContract(name: string, makeStore: MakeStore): void {
	describe(`store contract: ${name}`, () => {
		const fixture = trackedFixtures(makeStore);
		describeEvents(fixture);
		describeCaps(fixture);
		describeCapModel(makeStore);
	});
}

// ---------------------------------------------------------------------------------------------
// events
// ---------------------------------------------------------------------------------------------

function describeEvents(fixture: MakeStore) {
	const ev = (contactId: string, id: string, name: string, occurredAt: number, properties: Record<string, unknown> = {}): ContactEvent => ({
		id,
		contactId,
		name,
		occurredAt,
		properties,
	});
	const opts = { historyLimit: 100, ttlSeconds: 3600 };

	describe('events', () => {
		it('records and lists a history ordered by occurredAt, ties in arrival order', async () => {
			const { store } = await fixture();
			const t = 1_700_000_000_000;
			const out = await store.events.record(
				[ev('c1', 'e1', 'open', t + 20), ev('c1', 'e2', 'click', t + 10), ev('c1', 'e3', 'open', t + 20), ev('c2', 'e4', 'open', t)],
				opts,
			);
			expect(out).toEqual([
				{ eventId: 'e1', recorded: true },
				{ eventId: 'e2', recorded: true },
				{ eventId: 'e3', recorded: true },
				{ eventId: 'e4', recorded: true },
			]);
			await store.events.record([ev('c1', 'e5', 'open', t + 20)], opts);
			const [c1, c2] = await store.events.list([{ contactId: 'c1' }, { contactId: 'c2' }]);
			expect(c1.map((e) => e.id)).toEqual(['e2', 'e1', 'e3', 'e5']);
			expect(c2.map((e) => e.id)).toEqual(['e4']);
		});

		it('deduplicates by event id per contact, in one batch and across batches', async () => {
			const { store } = await fixture();
			const first = await store.events.record([ev('c1', 'x', 'open', 1), ev('c1', 'x', 'open', 2)], opts);
			expect(first.map((o) => o.recorded)).toEqual([true, false]);
			const again = await store.events.record([ev('c1', 'x', 'open', 3), ev('c2', 'x', 'open', 3)], opts);
			expect(again.map((o) => o.recorded)).toEqual([false, true]);
			const [c1] = await store.events.list([{ contactId: 'c1' }]);
			expect(c1).toHaveLength(1);
			expect(c1[0].occurredAt).toBe(1);
		});

		it('keeps only the newest historyLimit events', async () => {
			const { store } = await fixture();
			const events = [5, 1, 4, 2, 3].map((n) => ev('c1', `e${n}`, 'open', 1000 + n));
			await store.events.record(events, { historyLimit: 3, ttlSeconds: 3600 });
			const [c1] = await store.events.list([{ contactId: 'c1' }]);
			expect(c1.map((e) => e.id)).toEqual(['e3', 'e4', 'e5']);
		});

		it('filters by names and sinceMs, one answer per query, [] for an unknown contact', async () => {
			const { store } = await fixture();
			await store.events.record(
				[ev('c1', 'a', 'open', 100), ev('c1', 'b', 'click', 200), ev('c1', 'c', 'open', 300), ev('c1', 'd', 'buy', 400)],
				opts,
			);
			const [byName, since, both, unknown, emptyNames] = await store.events.list([
				{ contactId: 'c1', names: ['open', 'buy'] },
				{ contactId: 'c1', sinceMs: 200 },
				{ contactId: 'c1', names: ['open'], sinceMs: 200 },
				{ contactId: 'nobody' },
				{ contactId: 'c1', names: [] },
			]);
			expect(byName.map((e) => e.id)).toEqual(['a', 'c', 'd']);
			expect(since.map((e) => e.id)).toEqual(['b', 'c', 'd']);
			expect(both.map((e) => e.id)).toEqual(['c']);
			expect(unknown).toEqual([]);
			expect(emptyNames).toHaveLength(4);
		});

		it('round-trips the event exactly (properties, unicode, odd contact ids)', async () => {
			const { store } = await fixture();
			const contactId = 'ü:{x} y@example.com';
			const event = ev(contactId, 'id:{1}', '구매', 1234, { cart: { id: 'c-9', items: [1, 2] }, note: '광고 ✓', n: null });
			await store.events.record([event], opts);
			const [[got]] = await store.events.list([{ contactId }]);
			expect(got).toEqual(event);
		});

		it('forgets a history and its dedupe marks after the TTL', async () => {
			const f = await fixture();
			await f.store.events.record([ev('c1', 'e1', 'open', 1)], { historyLimit: 10, ttlSeconds: 1 });
			await f.expire(1200);
			expect(await f.store.events.list([{ contactId: 'c1' }])).toEqual([[]]);
			const again = await f.store.events.record([ev('c1', 'e1', 'open', 1)], { historyLimit: 10, ttlSeconds: 1 });
			expect(again[0].recorded).toBe(true);
		});
	});
}

// ---------------------------------------------------------------------------------------------
// caps
// ---------------------------------------------------------------------------------------------

const rolling = (id: string, limit: number, ms: number, scope: CapRule['scope'] = 'all', tag?: string): CapRule => ({
	kind: 'limit',
	id,
	scope,
	tag,
	limit,
	window: { kind: 'rolling', ms },
});
const calendar = (id: string, limit: number, unit: 'day' | 'week' | 'month', scope: CapRule['scope'] = 'all'): CapRule => ({
	kind: 'limit',
	id,
	scope,
	limit,
	window: { kind: 'calendar', unit },
});
const gap = (id: string, ms: number, scope: CapRule['scope'] = 'all'): CapRule => ({ kind: 'gap', id, scope, gapMs: ms });

function describeCaps(fixture: MakeStore) {
	const reserve = (contactId: string, rules: CapRule[], extra: Partial<CapRequest> = {}): CapRequest => ({
		mode: 'reserve',
		contactId,
		rules,
		...extra,
	});

	describe('caps', () => {
		it('reserves up to the limit, then caps with the rule, count, limit and retryAt', async () => {
			const { store } = await fixture();
			const rules = [rolling('3 per hour', 3, HOUR)];
			const decisions: CapDecision[] = [];
			for (let i = 0; i < 4; i++) decisions.push(...(await store.caps.apply([reserve('c1', rules)])));
			expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
			expect(decisions.slice(0, 3).map((d) => [d.reason, d.rule, d.count, d.limit])).toEqual([
				['within_limits', '3 per hour', 1, 3],
				['within_limits', '3 per hour', 2, 3],
				['within_limits', '3 per hour', 3, 3],
			]);
			expect(decisions[3]).toMatchObject({ reason: 'limit_reached', rule: '3 per hour', count: 3, limit: 3 });
			// the slot opens when the oldest of the three leaves the window
			expect(decisions[3].retryAt).toBe(decisions[0].at + HOUR);
		});

		it('slides a rolling window: the slot opens exactly at retryAt', async () => {
			const f = await fixture();
			const rules = [rolling('2 per minute', 2, 60_000)];
			const [first] = await f.store.caps.apply([reserve('c1', rules)]);
			f.advance(30_000);
			await f.store.caps.apply([reserve('c1', rules)]);
			const [capped] = await f.store.caps.apply([reserve('c1', rules)]);
			expect(capped.retryAt).toBe(first.at + 60_000);
			f.advance(first.at + 60_000 - capped.at);
			const [after] = await f.store.caps.apply([reserve('c1', rules)]);
			expect(after.allowed).toBe(true);
			expect(after.count).toBe(2);
		});

		it('requests of one contact in one batch see each other, in order', async () => {
			const { store } = await fixture();
			const rules = [rolling('3 per day', 3, DAY)];
			const decisions = await store.caps.apply([
				reserve('c1', rules),
				reserve('c2', rules),
				reserve('c1', rules),
				reserve('c1', rules),
				reserve('c1', rules),
				reserve('c2', rules),
			]);
			expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false, true]);
			expect(decisions.map((d) => d.count)).toEqual([1, 1, 2, 3, 3, 2]);
		});

		it('one batch mixing contacts, rules, quiet hours and modes decides each request by its own', async () => {
			const zone = 'Asia/Seoul';
			const f = await fixture({ startAt: DateTime.fromISO('2024-06-01T23:00', { zone }).toMillis() });
			const night = { from: '08:00', until: '21:00' };
			const evening = { from: '18:00', until: '23:30' };
			const decisions = await f.store.caps.apply([
				reserve('m1', [rolling('1/h', 1, HOUR)], { channel: 'email' }),
				reserve('m2', [rolling('2/h', 2, HOUR), gap('gap', 60_000, 'channel')], { channel: 'sms', timeZone: zone, quietHours: night }),
				reserve('m1', [rolling('1/h', 1, HOUR)], { channel: 'email' }),
				reserve('m3', [calendar('1/day', 1, 'day')], { timeZone: zone, quietHours: evening }),
				{ mode: 'record', contactId: 'm2', channel: 'sms', messageKey: 'r1' },
				reserve('m2', [rolling('2/h', 2, HOUR), gap('gap', 60_000, 'channel')], { channel: 'sms', timeZone: zone, quietHours: evening }),
				{ mode: 'check', contactId: 'm1', rules: [rolling('5/h', 5, HOUR)] },
				reserve('m3', [calendar('1/day', 1, 'day')], { timeZone: zone, quietHours: evening }),
			]);
			expect(decisions.map((d) => [d.allowed, d.reason, d.rule])).toEqual([
				[true, 'within_limits', '1/h'],
				[false, 'quiet_hours', 'quiet_hours'],
				[false, 'limit_reached', '1/h'],
				[true, 'within_limits', '1/day'],
				[true, 'recorded', null],
				[false, 'min_gap', 'gap'],
				[true, 'within_limits', '5/h'],
				[false, 'limit_reached', '1/day'],
			]);
			expect(decisions[6].count).toBe(1);
		});

		it('a batch larger than one script call keeps per-contact order and limits', async () => {
			const { store } = await fixture();
			const rules = [rolling('5 per hour', 5, HOUR)];
			const requests = Array.from({ length: 900 }, (_, i) => reserve(`big-${i % 3}`, rules, { messageKey: `k${i}` }));
			const decisions = await store.caps.apply(requests);
			for (let c = 0; c < 3; c++) {
				const mine = decisions.filter((_, i) => i % 3 === c);
				expect(mine.slice(0, 5).every((d) => d.allowed)).toBe(true);
				expect(mine.slice(5).every((d) => !d.allowed && d.reason === 'limit_reached')).toBe(true);
			}
		});

		it('check only never counts', async () => {
			const { store } = await fixture();
			const rules = [rolling('1 per hour', 1, HOUR)];
			for (let i = 0; i < 3; i++) {
				const [d] = await store.caps.apply([{ ...reserve('c1', rules), mode: 'check' }]);
				expect(d).toMatchObject({ allowed: true, count: 0, limit: 1 });
			}
			expect((await store.caps.apply([reserve('c1', rules)]))[0].allowed).toBe(true);
			expect((await store.caps.apply([{ ...reserve('c1', rules), mode: 'check' }]))[0]).toMatchObject({
				allowed: false,
				reason: 'limit_reached',
			});
		});

		it('a message key takes one slot however often it is submitted', async () => {
			const { store } = await fixture();
			const rules = [rolling('2 per hour', 2, HOUR)];
			const k = (key: string) => reserve('c1', rules, { messageKey: key });
			const decisions = await store.caps.apply([k('m1'), k('m1'), k('m1')]);
			expect(decisions.map((d) => d.reason)).toEqual(['within_limits', 'already_reserved', 'already_reserved']);
			expect(decisions.every((d) => d.allowed)).toBe(true);
			const [again] = await store.caps.apply([k('m1')]);
			expect(again.reason).toBe('already_reserved');
			expect((await store.caps.apply([k('m2')]))[0]).toMatchObject({ allowed: true, count: 2 });
			expect((await store.caps.apply([k('m3')]))[0]).toMatchObject({ allowed: false, reason: 'limit_reached' });
			// a key already holding a slot stays allowed even when the cap is full
			expect((await store.caps.apply([k('m2')]))[0]).toMatchObject({ allowed: true, reason: 'already_reserved' });
			// the same key for another contact is another message
			expect((await store.caps.apply([reserve('c2', rules, { messageKey: 'm1' })]))[0].reason).toBe('within_limits');
		});

		it('release gives a slot back; releasing an unknown key is a no-op', async () => {
			const { store } = await fixture();
			const rules = [rolling('1 per hour', 1, HOUR)];
			await store.caps.apply([reserve('c1', rules, { messageKey: 'm1' })]);
			expect((await store.caps.apply([reserve('c1', rules, { messageKey: 'm2' })]))[0].allowed).toBe(false);
			const [released, unknown] = await store.caps.apply([
				{ mode: 'release', contactId: 'c1', messageKey: 'm1' },
				{ mode: 'release', contactId: 'c1', messageKey: 'nope' },
			]);
			expect(released).toMatchObject({ allowed: true, reason: 'released' });
			expect(unknown).toMatchObject({ allowed: true, reason: 'not_reserved' });
			expect((await store.caps.apply([reserve('c1', rules, { messageKey: 'm2' })]))[0].allowed).toBe(true);
			// a released key reserves afresh
			expect((await store.caps.apply([reserve('c1', rules, { messageKey: 'm1' })]))[0].allowed).toBe(false);
		});

		it('record counts a send made elsewhere without checking, once per key', async () => {
			const { store } = await fixture();
			const rules = [rolling('2 per hour', 2, HOUR)];
			const rec = (key: string) => ({ mode: 'record' as const, contactId: 'c1', messageKey: key, channel: 'sms' });
			const out = await store.caps.apply([rec('a'), rec('b'), rec('c'), rec('a')]);
			expect(out.map((d) => d.reason)).toEqual(['recorded', 'recorded', 'recorded', 'already_recorded']);
			const [d] = await store.caps.apply([{ ...reserve('c1', rules), mode: 'check' }]);
			expect(d).toMatchObject({ allowed: false, count: 3, limit: 2 });
		});

		it('counts per scope: all channels, this channel, this campaign, a tag, each tag', async () => {
			const { store } = await fixture();
			const send = (channel: string, campaign: string, tags: string[]) =>
				store.caps.apply([{ mode: 'record', contactId: 'c1', channel, campaign, tags }]);
			await send('email', 'spring', ['promo']);
			await send('email', 'summer', ['news']);
			await send('sms', 'spring', ['promo', 'news']);
			const rules = [
				rolling('all', 10, HOUR, 'all'),
				rolling('channel', 10, HOUR, 'channel'),
				rolling('campaign', 10, HOUR, 'campaign'),
				rolling('promo', 10, HOUR, 'tag', 'promo'),
			];
			const checkOne = async (rule: CapRule, request: Partial<CapRequest>) =>
				(await store.caps.apply([{ mode: 'check', contactId: 'c1', rules: [rule], ...request }]))[0].count;
			expect(await checkOne(rules[0], {})).toBe(3);
			expect(await checkOne(rules[1], { channel: 'email' })).toBe(2);
			expect(await checkOne(rules[1], { channel: 'sms' })).toBe(1);
			expect(await checkOne(rules[1], { channel: 'push' })).toBe(0);
			expect(await checkOne(rules[2], { campaign: 'spring' })).toBe(2);
			expect(await checkOne(rules[3], { tags: ['promo'] })).toBe(2);
			// a tag cap does not apply to a message without the tag
			expect(await checkOne(rules[3], { tags: ['news'] })).toBe(null);
			// "each tag": the message's most loaded tag decides
			const [eachTag] = await store.caps.apply([
				{ mode: 'check', contactId: 'c1', tags: ['promo', 'news', 'new'], rules: [rolling('each', 2, HOUR, 'tag')] },
			]);
			expect(eachTag).toMatchObject({ allowed: false, reason: 'limit_reached', rule: 'each', count: 2 });
		});

		it('a minimum gap caps until the last send + gap', async () => {
			const f = await fixture();
			const rules = [gap('4h gap', 4 * HOUR, 'channel')];
			const [first] = await f.store.caps.apply([reserve('c1', rules, { channel: 'push' })]);
			f.advance(HOUR);
			const [capped, otherChannel] = await f.store.caps.apply([
				reserve('c1', rules, { channel: 'push' }),
				reserve('c1', rules, { channel: 'email' }),
			]);
			expect(capped).toMatchObject({ allowed: false, reason: 'min_gap', rule: '4h gap', count: null, limit: null });
			expect(capped.retryAt).toBe(first.at + 4 * HOUR);
			expect(otherChannel.allowed).toBe(true);
			f.advance(first.at + 4 * HOUR - capped.at);
			expect((await f.store.caps.apply([reserve('c1', rules, { channel: 'push' })]))[0].allowed).toBe(true);
		});

		it('the most restrictive failing rule decides (latest retryAt), an allowed item shows the tightest rule', async () => {
			const f = await fixture();
			const rules = [rolling('2 per hour', 2, HOUR), rolling('3 per day', 3, DAY), gap('1 min gap', 60_000)];
			const [a] = await f.store.caps.apply([reserve('c1', rules)]);
			expect(a).toMatchObject({ allowed: true, rule: '2 per hour', count: 1, limit: 2 });
			f.advance(2 * 60_000);
			const [b] = await f.store.caps.apply([reserve('c1', rules)]);
			expect(b).toMatchObject({ allowed: true, count: 2, limit: 2, rule: '2 per hour' });
			f.advance(2 * HOUR);
			const [c] = await f.store.caps.apply([reserve('c1', rules)]);
			expect(c).toMatchObject({ allowed: true, rule: '3 per day', count: 3, limit: 3 });
			f.advance(10_000);
			const [d] = await f.store.caps.apply([reserve('c1', rules)]);
			// gap (opens in 50 s) and 3 per day (opens a day after the first) fail: the day decides
			expect(d).toMatchObject({ allowed: false, reason: 'limit_reached', rule: '3 per day', count: 3, limit: 3 });
			expect(d.retryAt).toBe(a.at + DAY);
		});

		it('a limit of 0 blocks every message and never reopens', async () => {
			const { store } = await fixture();
			const [d] = await store.caps.apply([reserve('c1', [rolling('paused', 0, HOUR)])]);
			expect(d).toMatchObject({ allowed: false, reason: 'limit_reached', count: 0, limit: 0, retryAt: null });
		});

		it('calendar day in the contact time zone, on a DST change day (23 h)', async () => {
			const zone = 'America/New_York';
			// 2024-03-10 is 23 hours long in New York
			const start = DateTime.fromISO('2024-03-10T09:00', { zone }).toMillis();
			const f = await fixture({ startAt: start });
			const rules = [calendar('2 per day', 2, 'day')];
			const r = () => reserve('c1', rules, { timeZone: zone });
			await f.store.caps.apply([r()]);
			const [second, third] = await f.store.caps.apply([r(), r()]);
			expect(second.allowed).toBe(true);
			expect(third).toMatchObject({ allowed: false, reason: 'limit_reached', count: 2, limit: 2 });
			const midnight = DateTime.fromISO('2024-03-11T00:00', { zone }).toMillis();
			expect(third.retryAt).toBe(midnight);
			expect(midnight - DateTime.fromISO('2024-03-10T00:00', { zone }).toMillis()).toBe(23 * HOUR);
			// 14:59 local the same day is still "today"; a minute after midnight is a new day
			f.advance(midnight - 60_000 - third.at);
			expect((await f.store.caps.apply([r()]))[0].allowed).toBe(false);
			f.advance(2 * 60_000);
			expect((await f.store.caps.apply([r()]))[0]).toMatchObject({ allowed: true, count: 1 });
		});

		it('calendar day is 25 h on the autumn change, and week/month follow local midnight', async () => {
			const zone = 'Europe/Berlin';
			const start = DateTime.fromISO('2024-10-27T01:30', { zone }).toMillis();
			const f = await fixture({ startAt: start });
			const [day] = await f.store.caps.apply([reserve('c1', [calendar('day', 0, 'day')], { timeZone: zone })]);
			expect(day.retryAt).toBe(null);
			const [, dayFull] = await f.store.caps.apply([
				reserve('c1', [calendar('day', 1, 'day')], { timeZone: zone }),
				reserve('c1', [calendar('day', 1, 'day')], { timeZone: zone }),
			]);
			expect(dayFull.retryAt).toBe(DateTime.fromISO('2024-10-28T00:00', { zone }).toMillis());
			expect(dayFull.retryAt! - DateTime.fromISO('2024-10-27T00:00', { zone }).toMillis()).toBe(25 * HOUR);
			const [week] = await f.store.caps.apply([{ mode: 'check', contactId: 'c1', timeZone: zone, rules: [calendar('week', 1, 'week')] }]);
			expect(week.retryAt).toBe(DateTime.fromISO('2024-10-28T00:00', { zone }).toMillis()); // Monday
			const [month] = await f.store.caps.apply([{ mode: 'check', contactId: 'c1', timeZone: zone, rules: [calendar('month', 1, 'month')] }]);
			expect(month.retryAt).toBe(DateTime.fromISO('2024-11-01T00:00', { zone }).toMillis());
		});

		it('quiet hours: during quiet hours an item waits for them to end', async () => {
			const zone = 'Asia/Seoul';
			const start = DateTime.fromISO('2024-06-01T22:30', { zone }).toMillis();
			const f = await fixture({ startAt: start });
			const r = (from: string, until: string) =>
				reserve('c1', [rolling('5 per day', 5, DAY)], { timeZone: zone, quietHours: { from, until } });
			const [night] = await f.store.caps.apply([r('08:00', '21:00')]);
			expect(night).toMatchObject({ allowed: false, reason: 'quiet_hours', rule: 'quiet_hours' });
			expect(night.retryAt).toBe(DateTime.fromISO('2024-06-02T08:00', { zone }).toMillis());
			// a window running past midnight is open at 22:30
			expect((await f.store.caps.apply([r('20:00', '02:00')]))[0].allowed).toBe(true);
			f.advance(DateTime.fromISO('2024-06-02T08:00', { zone }).toMillis() - night.at);
			expect((await f.store.caps.apply([r('08:00', '21:00')]))[0]).toMatchObject({ allowed: true, count: 2 });
		});

		it('rejects requests a rule cannot apply to, before writing anything', async () => {
			const { store } = await fixture();
			await expect(store.caps.apply([reserve('c1', [rolling('ch', 1, HOUR, 'channel')])])).rejects.toThrow(/channel is empty/);
			await expect(store.caps.apply([reserve('c1', [calendar('d', 1, 'day')], { timeZone: 'Mars/Base' })])).rejects.toThrow(
				/not a time zone/,
			);
			await expect(store.caps.apply([reserve('', [])])).rejects.toThrow(/contact ID is empty/);
			await expect(store.caps.apply([{ mode: 'release', contactId: 'c1' }])).rejects.toThrow(/message key/);
			const [d] = await store.caps.apply([{ mode: 'check', contactId: 'c1', rules: [rolling('r', 1, HOUR)] }]);
			expect(d.count).toBe(0);
		});
	});
}

// ---------------------------------------------------------------------------------------------
// the model test: random command sequences against a plain reference model
// ---------------------------------------------------------------------------------------------

type Cmd =
	| { t: 'reserve' | 'check' | 'record'; contact: number; channel: string; tags: string[]; key: string | null }
	| { t: 'release'; contact: number; key: string }
	| { t: 'advance'; ms: number };

interface ModelEntry {
	ts: number;
	key: string | null;
	channel: string;
	tags: string[];
}

const MODEL_ZONE = 'America/New_York';

/**
 * The reference: a list of sends per contact and brute-force rule evaluation, written
 * independently of both stores (no shared code with lib/store).
 */
class CapModel {
	readonly logs = new Map<number, ModelEntry[]>();

	constructor(readonly rules: CapRule[]) {}

	apply(cmd: Exclude<Cmd, { t: 'advance' }>, now: number): { allowed: boolean; reason: string; rule: string | null; count: number | null; limit: number | null; retryAt: number | null } {
		const log = this.logs.get(cmd.contact) ?? [];
		this.logs.set(cmd.contact, log);
		const held = cmd.key === null ? -1 : log.findIndex((e) => e.key === cmd.key);
		const plain = (allowed: boolean, reason: string) => ({ allowed, reason, rule: null, count: null, limit: null, retryAt: null });
		if (cmd.t === 'release') {
			if (held < 0) return plain(true, 'not_reserved');
			log.splice(held, 1);
			return plain(true, 'released');
		}
		if (cmd.t === 'record') {
			if (held >= 0) return plain(true, 'already_recorded');
			log.push({ ts: now, key: cmd.key, channel: cmd.channel, tags: cmd.tags });
			return plain(true, 'recorded');
		}
		if (held >= 0) return plain(true, 'already_reserved');

		type Check = { rule: string; count: number | null; limit: number | null; retryAt: number | null; failed: boolean; reason: string };
		const checks: Check[] = [];
		for (const rule of this.rules) {
			// which sends the rule counts, per applicable dimension
			const dims: Array<(e: ModelEntry) => boolean> = [];
			if (rule.scope === 'all') dims.push(() => true);
			if (rule.scope === 'channel') dims.push((e) => e.channel === cmd.channel);
			if (rule.scope === 'tag') {
				if (rule.tag) {
					if (cmd.tags.includes(rule.tag)) dims.push((e) => e.tags.includes(rule.tag!));
				} else for (const tag of cmd.tags) dims.push((e) => e.tags.includes(tag));
			}
			for (const inDim of dims) {
				const mine = log.filter(inDim);
				if (rule.kind === 'gap') {
					const last = mine.length ? Math.max(...mine.map((e) => e.ts)) : undefined;
					const failed = last !== undefined && now - last < rule.gapMs;
					checks.push({ rule: rule.id, count: null, limit: null, retryAt: failed ? last! + rule.gapMs : null, failed, reason: 'min_gap' });
					continue;
				}
				let inWindow: ModelEntry[];
				let reopens: number | null;
				if (rule.window.kind === 'rolling') {
					const w = rule.window.ms;
					inWindow = mine.filter((e) => e.ts > now - w);
					const newestFirst = inWindow.map((e) => e.ts).sort((a, b) => b - a);
					reopens = rule.limit > 0 && newestFirst.length >= rule.limit ? newestFirst[rule.limit - 1] + w : null;
				} else {
					const unit = rule.window.unit;
					const start = DateTime.fromMillis(now, { zone: MODEL_ZONE }).startOf(unit);
					inWindow = mine.filter((e) => e.ts >= start.toMillis());
					reopens = rule.limit > 0 ? start.plus({ [`${unit}s`]: 1 }).toMillis() : null;
				}
				const failed = inWindow.length >= rule.limit;
				checks.push({ rule: rule.id, count: inWindow.length, limit: rule.limit, retryAt: failed ? reopens : null, failed, reason: 'limit_reached' });
			}
		}
		const failing = checks.filter((c) => c.failed);
		if (failing.length > 0) {
			// latest reopening wins; never (null) beats any time; ties: the first
			let worst = failing[0];
			for (const c of failing.slice(1)) {
				if (worst.retryAt !== null && (c.retryAt === null || c.retryAt > worst.retryAt)) worst = c;
			}
			return { allowed: false, reason: worst.reason, rule: worst.rule, count: worst.count, limit: worst.limit, retryAt: worst.retryAt };
		}
		const limits = checks.filter((c) => c.limit !== null);
		let tightest: Check | undefined;
		for (const c of limits) if (!tightest || c.limit! - c.count! < tightest.limit! - tightest.count!) tightest = c;
		if (cmd.t === 'reserve') log.push({ ts: now, key: cmd.key, channel: cmd.channel, tags: cmd.tags });
		const bump = cmd.t === 'reserve' ? 1 : 0;
		return {
			allowed: true,
			reason: 'within_limits',
			rule: tightest?.rule ?? null,
			count: tightest ? tightest.count! + bump : null,
			limit: tightest?.limit ?? null,
			retryAt: null,
		};
	}
}

function describeCapModel(fixture: MakeStore) {
	const ruleArb: fc.Arbitrary<CapRule> = fc.oneof(
		fc.record({
			kind: fc.constant('limit' as const),
			scope: fc.constantFrom('all' as const, 'channel' as const, 'tag' as const),
			tag: fc.constantFrom(undefined, 'promo'),
			limit: fc.integer({ min: 0, max: 3 }),
			window: fc.oneof(
				fc.record({ kind: fc.constant('rolling' as const), ms: fc.constantFrom(60_000, 10 * 60_000, HOUR) }),
				fc.record({ kind: fc.constant('calendar' as const), unit: fc.constantFrom('day' as const, 'week' as const) }),
			),
		}),
		fc.record({
			kind: fc.constant('gap' as const),
			scope: fc.constantFrom('all' as const, 'channel' as const),
			gapMs: fc.constantFrom(30_000, 60_000, HOUR),
		}),
	).map((r) => ({ ...r, id: '' }) as CapRule);

	const send = (t: 'reserve' | 'check' | 'record') =>
		fc.record({
			t: fc.constant(t),
			contact: fc.integer({ min: 0, max: 1 }),
			channel: fc.constantFrom('email', 'sms'),
			tags: fc.subarray(['promo', 'news']),
			key: fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4'), { nil: null }),
		});
	const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
		{ arbitrary: send('reserve'), weight: 6 },
		{ arbitrary: send('check'), weight: 2 },
		{ arbitrary: send('record'), weight: 1 },
		{ arbitrary: fc.record({ t: fc.constant('release' as const), contact: fc.integer({ min: 0, max: 1 }), key: fc.constantFrom('k1', 'k2', 'k3', 'k4') }), weight: 2 },
		{ arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.constantFrom(1000, 30_000, 60_000, 10 * 60_000, HOUR, 7 * HOUR) }), weight: 3 },
	);
	// window sizes, gaps and clock steps share values, so sends land exactly on window edges;
	// starts around the New York DST changes and a month end
	const startArb = fc.constantFrom('2024-03-09T20:00', '2024-11-02T21:30', '2024-06-30T23:00', '2024-07-03T12:00').map((iso) =>
		DateTime.fromISO(iso, { zone: MODEL_ZONE }).toMillis(),
	);

	/**
	 * Runs random command sequences against the store and the model. `batched`: the commands
	 * between two clock steps go in one apply (both contacts mixed, so on Redis in one script
	 * call), and must be decided as if applied one by one.
	 */
	const modelProperty = (batched: boolean) =>
		fc.asyncProperty(fc.array(ruleArb, { minLength: 1, maxLength: 3 }), fc.array(cmdArb, { minLength: 1, maxLength: 40 }), startArb, async (rawRules, cmds, startAt) => {
			const rules = rawRules.map((r, i) => ({ ...r, id: `r${i}` }));
			const f = await fixture({ startAt });
			try {
				const model = new CapModel(rules);
				const contacts = ['model-a', 'model-b'];
				const toRequest = (cmd: Exclude<Cmd, { t: 'advance' }>): CapRequest =>
					cmd.t === 'release'
						? { mode: 'release', contactId: contacts[cmd.contact], messageKey: cmd.key }
						: {
								mode: cmd.t,
								contactId: contacts[cmd.contact],
								channel: cmd.channel,
								tags: cmd.tags,
								messageKey: cmd.key ?? undefined,
								timeZone: MODEL_ZONE,
								rules,
							};
				let pending: Array<Exclude<Cmd, { t: 'advance' }>> = [];
				const flush = async () => {
					const decisions = await f.store.caps.apply(pending.map(toRequest));
					for (let i = 0; i < pending.length; i++) {
						const cmd = pending[i];
						const got = decisions[i];
						const want = model.apply(cmd, got.at);
						const gotFields: Partial<CapDecision> = { ...got };
						delete gotFields.at;
						expect(gotFields, `${JSON.stringify(cmd)} (#${i + 1} of ${pending.length}) at ${new Date(got.at).toISOString()}`).toEqual(want);
						// the invariant the product promises: reserves never push a window past its limit
						if (cmd.t === 'reserve' && got.allowed && got.count !== null) expect(got.count).toBeLessThanOrEqual(got.limit!);
					}
					pending = [];
				};
				for (const cmd of cmds) {
					if (cmd.t === 'advance') {
						if (pending.length > 0) await flush();
						f.advance(cmd.ms);
						continue;
					}
					pending.push(cmd);
					if (!batched) await flush();
				}
				if (pending.length > 0) await flush();
			} finally {
				await f.cleanup();
			}
		});

	it('model test: random reserve/check/record/release/advance sequences match a reference model and never exceed a cap', async () => {
		await fc.assert(modelProperty(false), { numRuns: 300 });
	});

	it('model test, batched: the requests between clock steps in one apply are decided as one by one', async () => {
		await fc.assert(modelProperty(true), { numRuns: 300 });
	});
}
