/**
 * The lead-score contract (lib/store/scores.ts), run against the memory store
 * (test/unit/store/memory.test.ts) and the Redis store (test/integration/store/redis.test.ts)
 * with the same fixtures as test/store-suite.ts: the store's clock is frozen and moved by the
 * test, so decay is checked against values computed by hand.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { RepeatLimit } from '../rules';
import type { ScoreAward, ScoreOptions, ScoreSettings } from '../lib/store/types';
import { trackedFixtures, type MakeStore } from './store-suite';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const every: RepeatLimit = { kind: 'every' };

const award = (rule: string, group: string, points: number, repeat: RepeatLimit = every): ScoreAward => ({ rule, group, points, repeat });

function options(settings: Partial<ScoreSettings> = {}, logLimit = 50): ScoreOptions {
	return {
		settings: {
			groups: settings.groups ?? { fit: { decay: { kind: 'none' } }, engagement: { decay: { kind: 'none' } } },
			thresholds: settings.thresholds ?? [],
			...(settings.totalCap !== undefined ? { totalCap: settings.totalCap } : {}),
		},
		// longer than any decay the tests move the clock through
		ttlSeconds: 400 * 86_400,
		logLimit,
	};
}

export function describeScoreContract(name: string, makeStore: MakeStore): void {
	describe(`score contract: ${name}`, () => {
		const fixture = trackedFixtures(makeStore);

		it('adds the points of each rule to its group; total, delta and applied rules', async () => {
			const { store } = await fixture();
			const opts = options();
			const [a] = await store.scores.apply([{ contactId: 'c1', awards: [award('title', 'fit', 15), award('pricing', 'engagement', 10)] }], opts);
			expect(a).toMatchObject({ total: 25, groups: { fit: 15, engagement: 10 }, delta: 25, crossed: [], duplicate: false });
			expect(a.applied).toEqual([
				{ rule: 'title', group: 'fit', points: 15 },
				{ rule: 'pricing', group: 'engagement', points: 10 },
			]);
			const [b, other] = await store.scores.apply(
				[
					{ contactId: 'c1', awards: [award('pricing', 'engagement', 10), award('spam', 'engagement', -4)] },
					{ contactId: 'c2', awards: [award('pricing', 'engagement', 10)] },
				],
				opts,
			);
			expect(b).toMatchObject({ total: 31, groups: { fit: 15, engagement: 16 }, delta: 6 });
			expect(other).toMatchObject({ total: 10, delta: 10 });
			const [read, unknown] = await store.scores.get(['c1', 'nobody'], opts);
			expect(read).toMatchObject({ total: 31, groups: { fit: 15, engagement: 16 }, delta: 0, crossed: [] });
			expect(unknown).toMatchObject({ total: 0, groups: { fit: 0, engagement: 0 } });
		});

		it('repeat limits: once per contact, at most N, once per period, every time', async () => {
			const f = await fixture();
			const opts = options();
			const awards = [
				award('once', 'fit', 1, { kind: 'atMost', n: 1 }),
				award('thrice', 'engagement', 10, { kind: 'atMost', n: 3 }),
				award('daily', 'engagement', 100, { kind: 'oncePer', ms: DAY }),
				award('always', 'engagement', 1000),
			];
			const totals: number[] = [];
			for (let i = 0; i < 5; i++) {
				const [s] = await f.store.scores.apply([{ contactId: 'c1', awards }], opts);
				totals.push(s.total);
				f.advance(6 * HOUR);
			}
			// 0h, 6h, 12h, 18h: daily once; 24h: daily again
			expect(totals).toEqual([1111, 2121, 3131, 4131, 5231]);
			const [s] = await f.store.scores.apply([{ contactId: 'c1', awards: [awards[0], awards[1]] }], opts);
			expect(s.applied).toEqual([]);
			expect(s.delta).toBe(0);
		});

		it('group caps and the total cap clip the points given, never more', async () => {
			const { store } = await fixture();
			const opts = options({ groups: { fit: { cap: 20, decay: { kind: 'none' } }, engagement: { cap: 50, decay: { kind: 'none' } } }, totalCap: 60 });
			const [a] = await store.scores.apply([{ contactId: 'c1', awards: [award('a', 'fit', 15), award('b', 'fit', 15)] }], opts);
			expect(a.groups.fit).toBe(20);
			expect(a.applied.map((r) => r.points)).toEqual([15, 5]);
			const [b] = await store.scores.apply([{ contactId: 'c1', awards: [award('c', 'engagement', 45)] }], opts);
			expect(b).toMatchObject({ total: 60, groups: { fit: 20, engagement: 40 } });
			expect(b.applied[0].points).toBe(40);
			const [c] = await store.scores.apply([{ contactId: 'c1', awards: [award('d', 'engagement', -10), award('e', 'engagement', 30)] }], opts);
			expect(c).toMatchObject({ total: 60, groups: { fit: 20, engagement: 40 }, delta: 0 });
			expect(c.applied.map((r) => r.points)).toEqual([-10, 10]);
		});

		it('a threshold fires once per upward crossing: negative points take the contact below, the next rise fires again', async () => {
			const { store } = await fixture();
			const opts = options({ thresholds: [{ name: 'mql', score: 50, group: 'total' }, { name: 'hot', score: 30, group: 'engagement' }] });
			const step = async (points: number) => (await store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', points)] }], opts))[0];
			expect((await step(20)).crossed).toEqual([]);
			const up = await step(35);
			expect(up.crossed).toEqual(['mql', 'hot']);
			expect(up.above).toEqual(['mql', 'hot']);
			expect((await step(5)).crossed).toEqual([]);
			const down = await step(-20);
			expect(down).toMatchObject({ total: 40, crossed: [], above: ['hot'] });
			expect((await step(9.99)).crossed).toEqual([]);
			expect((await step(0.01)).crossed).toEqual(['mql']);
			expect((await step(100)).crossed).toEqual([]);
			const batch = await store.scores.apply(
				[
					{ contactId: 'c1', awards: [award('r', 'engagement', -200)] },
					{ contactId: 'c1', awards: [award('r', 'engagement', 200)] },
					{ contactId: 'c1', awards: [award('r', 'engagement', 1)] },
				],
				opts,
			);
			expect(batch.map((s) => s.crossed)).toEqual([[], ['mql', 'hot'], []]);
		});

		it('an update key applied again changes nothing and answers the first crossings', async () => {
			const { store } = await fixture();
			const opts = options({ thresholds: [{ name: 'mql', score: 10 }].map((t) => ({ ...t, group: 'total' })) });
			const first = await store.scores.apply([{ contactId: 'c1', key: 'evt-1', awards: [award('r', 'fit', 12)] }], opts);
			const again = await store.scores.apply([{ contactId: 'c1', key: 'evt-1', awards: [award('r', 'fit', 12)] }], opts);
			expect(first[0]).toMatchObject({ total: 12, crossed: ['mql'], duplicate: false });
			expect(again[0]).toMatchObject({ total: 12, delta: 0, crossed: ['mql'], applied: [], duplicate: true });
			const other = await store.scores.apply([{ contactId: 'c2', key: 'evt-1', awards: [award('r', 'fit', 1)] }], opts);
			expect(other[0].duplicate).toBe(false);
		});

		it('half-life decay across a month end matches the hand-computed values', async () => {
			// 100 points on 31 Jan; 2 Mar is 30 days later (February has 28 days in 2026)
			const start = Date.UTC(2026, 0, 31, 0, 0, 0);
			const f = await fixture({ startAt: start });
			const opts = options({ groups: { engagement: { decay: { kind: 'halfLife', ms: 30 * DAY } } } });
			await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 100)] }], opts);
			f.advance(Date.UTC(2026, 2, 2) - start);
			expect((await f.store.scores.get(['c1'], opts))[0].groups.engagement).toBe(50);
			f.advance(15 * DAY); // 45 days: 100 × 2^-1.5 = 35.355…
			expect((await f.store.scores.get(['c1'], opts))[0].total).toBe(35.36);
			// an award now adds to the decayed value, and both keep halving
			const [s] = await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 20)] }], opts);
			expect(s).toMatchObject({ total: 55.36, delta: 20 });
			f.advance(30 * DAY); // (35.355… + 20) / 2
			expect((await f.store.scores.get(['c1'], opts))[0].total).toBe(27.68);
		});

		it('linear decay steps every N × 24 h of elapsed time, also across a daylight-saving change', async () => {
			// Berlin moves to summer time on 29 Mar 2026: from 25 Mar 12:00 (+01:00) to 1 Apr 12:00 (+02:00) is 167 h
			const zone = 'Europe/Berlin';
			const start = DateTime.fromISO('2026-03-25T12:00', { zone }).toMillis();
			const f = await fixture({ startAt: start });
			const opts = options({ groups: { engagement: { decay: { kind: 'linear', fraction: 0.2, stepMs: 7 * DAY } } } });
			await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 50)] }], opts);
			const at = (iso: string) => DateTime.fromISO(iso, { zone }).toMillis();
			const read = async (iso: string) => {
				f.advance(at(iso) - (await f.store.now()));
				return (await f.store.scores.get(['c1'], opts))[0].total;
			};
			expect(await read('2026-04-01T12:00')).toBe(50); // 167 h: not yet 7 days
			expect(await read('2026-04-01T13:00')).toBe(40); // 168 h: one step of 20 %
			expect(await read('2026-04-22T13:00')).toBe(10); // 4 steps
			expect(await read('2026-04-29T13:00')).toBe(0); // 5 steps: all gone
		});

		it('expiry drops each award N days after it was given', async () => {
			const start = Date.UTC(2026, 1, 27, 10);
			const f = await fixture({ startAt: start });
			const opts = options({ groups: { engagement: { decay: { kind: 'expiry', ms: 3 * DAY } } } });
			await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 10)] }], opts);
			f.advance(2 * DAY); // 1 Mar 10:00
			await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 5)] }], opts);
			f.advance(DAY - 1);
			expect((await f.store.scores.get(['c1'], opts))[0].total).toBe(15);
			f.advance(1); // 2 Mar 10:00: the first award is 3 days old
			expect((await f.store.scores.get(['c1'], opts))[0].total).toBe(5);
			f.advance(2 * DAY);
			expect((await f.store.scores.get(['c1'], opts))[0].total).toBe(0);
		});

		it('decay takes a contact below a threshold, and the next rise fires it again', async () => {
			const f = await fixture();
			const opts = options({ groups: { engagement: { decay: { kind: 'halfLife', ms: 10 * DAY } } }, thresholds: [{ name: 'hot', score: 40, group: 'engagement' }] });
			expect((await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 50)] }], opts))[0].crossed).toEqual(['hot']);
			f.advance(10 * DAY); // 25
			expect((await f.store.scores.get(['c1'], opts))[0].above).toEqual([]);
			expect((await f.store.scores.apply([{ contactId: 'c1', awards: [award('r', 'engagement', 20)] }], opts))[0].crossed).toEqual(['hot']);
		});

		it('reset drops a group (repeat history stays), re-reads thresholds and is logged', async () => {
			const { store } = await fixture();
			const opts = options({ thresholds: [{ name: 'mql', score: 20, group: 'total' }] }, 3);
			await store.scores.apply([{ contactId: 'c1', awards: [award('f', 'fit', 10), award('once', 'engagement', 15, { kind: 'atMost', n: 1 })] }], opts);
			const [reset] = await store.scores.reset([{ contactId: 'c1', groups: ['engagement'] }], opts);
			expect(reset).toMatchObject({ total: 10, groups: { fit: 10, engagement: 0 }, delta: -15, above: [] });
			const [again] = await store.scores.apply([{ contactId: 'c1', awards: [award('once', 'engagement', 15, { kind: 'atMost', n: 1 }), award('e', 'engagement', 10)] }], opts);
			expect(again).toMatchObject({ total: 20, crossed: ['mql'] });
			expect(again.applied.map((r) => r.rule)).toEqual(['e']);
			await store.scores.apply([{ contactId: 'c1', awards: [award('e', 'engagement', 1)] }], opts);
			const [log] = await store.scores.log(['c1'], 10);
			expect(log).toHaveLength(3);
			expect(log.map((e) => e.total)).toEqual([21, 20, 10]);
			expect(log[1]).toMatchObject({ delta: 10, crossed: ['mql'], rules: [{ rule: 'e', group: 'engagement', points: 10 }] });
			expect(log[2]).toMatchObject({ delta: -15, reset: ['engagement'], rules: [] });
		});

		it('erasing the contact removes the score, its repeat history, thresholds and log', async () => {
			const { store } = await fixture();
			const opts = options({ thresholds: [{ name: 'mql', score: 5, group: 'total' }] });
			await store.scores.apply([{ contactId: 'c1', key: 'k', awards: [award('once', 'fit', 10, { kind: 'atMost', n: 1 })] }], opts);
			await store.scores.apply([{ contactId: 'c2', awards: [award('once', 'fit', 10)] }], opts);
			await store.contacts.erase(['c1']);
			const [gone, kept] = await store.scores.get(['c1', 'c2'], opts);
			expect(gone.total).toBe(0);
			expect(kept.total).toBe(10);
			expect((await store.scores.log(['c1'], 10))[0]).toEqual([]);
			const [fresh] = await store.scores.apply([{ contactId: 'c1', key: 'k', awards: [award('once', 'fit', 10, { kind: 'atMost', n: 1 })] }], opts);
			expect(fresh).toMatchObject({ total: 10, crossed: ['mql'], duplicate: false });
		});
	});
}
