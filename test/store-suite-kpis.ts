/**
 * The store contract of journey KPI counters (every node's counts, read by the Journey Report),
 * run against the memory store (test/unit/store/memory.test.ts) and the Redis store
 * (test/integration/store/redis.test.ts) with the same fixtures as test/store-suite.ts.
 */
import { describe, expect, it } from 'vitest';
import type { KpiCount } from '../lib/store/types';
import { trackedFixtures, type MakeStore } from './store-suite';

const DAY = 86_400_000;

function row(overrides: Partial<KpiCount> = {}): KpiCount {
	return { journey: 'cart-abandonment', step: 'Frequency Cap', variant: '', day: '2026-03-01', outcome: 'allowed', count: 1, ...overrides };
}

/** Rows in a stable order, for comparing reads. */
function sorted(rows: KpiCount[]): KpiCount[] {
	const key = (r: KpiCount) => [r.journey, r.day, r.step, r.variant, r.outcome].join('\u0000');
	return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function describeKpiContract(name: string, makeStore: MakeStore): void {
	describe(`store contract (journey KPIs): ${name}`, () => {
		const fixture = trackedFixtures(makeStore);

		it('adds counts up per journey, step, variant, day and outcome, and reads them back', async () => {
			const { store } = await fixture();
			await store.kpis.add([
				row(),
				row({ count: 2 }),
				row({ outcome: 'capped:limit_reached', count: 3 }),
				row({ variant: 'B', count: 5 }),
				row({ step: '', outcome: 'converted', variant: 'B' }),
				row({ day: '2026-03-02', count: 7 }),
			]);
			await store.kpis.add([row({ count: 10 })]);
			const rows = await store.kpis.read({ journeys: ['cart-abandonment'], fromDay: '2026-03-01', toDay: '2026-03-02' });
			expect(sorted(rows)).toEqual(
				sorted([
					row({ count: 13 }),
					row({ outcome: 'capped:limit_reached', count: 3 }),
					row({ variant: 'B', count: 5 }),
					row({ step: '', outcome: 'converted', variant: 'B' }),
					row({ day: '2026-03-02', count: 7 }),
				]),
			);
		});

		it('reads only the days of the range, and only the journeys asked for', async () => {
			const { store } = await fixture();
			await store.kpis.add([
				row({ day: '2026-02-28' }),
				row({ day: '2026-03-01', count: 2 }),
				row({ day: '2026-03-03', count: 3 }),
				row({ journey: 'onboarding', day: '2026-03-01', count: 4 }),
			]);
			expect(await store.kpis.read({ journeys: ['cart-abandonment'], fromDay: '2026-03-01', toDay: '2026-03-02' })).toEqual([row({ count: 2 })]);
			expect(await store.kpis.read({ journeys: ['onboarding', 'nobody'], fromDay: '2026-03-01', toDay: '2026-03-01' })).toEqual([
				row({ journey: 'onboarding', count: 4 }),
			]);
			expect(await store.kpis.read({ journeys: [], fromDay: '2026-03-01', toDay: '2026-03-31' })).toEqual([]);
		});

		it('without journeys, reads every journey counted in the range', async () => {
			const { store } = await fixture();
			const today = store.kpis.today();
			await store.kpis.add([row({ day: today }), row({ journey: 'win-back', day: today, step: 'Channel Send', outcome: 'sent', count: 2 })]);
			const rows = await store.kpis.read({ fromDay: today, toDay: today });
			expect(sorted(rows)).toEqual(sorted([row({ day: today }), row({ journey: 'win-back', day: today, step: 'Channel Send', outcome: 'sent', count: 2 })]));
		});

		it('keeps any node name, variant and outcome apart (separators are data, not syntax)', async () => {
			const { store } = await fixture();
			const odd = [
				row({ step: 'Send | email', variant: 'a|b' }),
				row({ step: 'Send', variant: '| email|a', count: 2 }),
				row({ step: '["x"]', outcome: 'not_sent:consent', count: 3 }),
				row({ step: '메일 보내기', variant: '변형 B', count: 4 }),
			];
			await store.kpis.add(odd);
			expect(sorted(await store.kpis.read({ journeys: ['cart-abandonment'], fromDay: '2026-03-01', toDay: '2026-03-01' }))).toEqual(sorted(odd));
		});

		it('an empty add, and counts that sum to 0, write nothing', async () => {
			const { store } = await fixture();
			await store.kpis.add([]);
			await store.kpis.add([row({ count: 2 }), row({ count: -2 })]);
			expect(await store.kpis.read({ journeys: ['cart-abandonment'], fromDay: '2026-03-01', toDay: '2026-03-01' })).toEqual([]);
		});

		it('today() is the UTC day of the store clock', async () => {
			const { store, advance } = await fixture({ startAt: Date.parse('2026-03-01T23:59:59.000Z') });
			expect(store.kpis.today()).toBe('2026-03-01');
			advance(1000);
			expect(store.kpis.today()).toBe('2026-03-02');
			advance(DAY);
			expect(store.kpis.today()).toBe('2026-03-03');
		});

		it('refuses malformed counts and ranges, naming the problem', async () => {
			const { store } = await fixture();
			await expect(store.kpis.add([row({ journey: '' })])).rejects.toThrow(/journey name/);
			await expect(store.kpis.add([row({ day: '2026-3-1' })])).rejects.toThrow(/2026-3-1/);
			await expect(store.kpis.add([row({ count: 1.5 })])).rejects.toThrow(/whole number/);
			await expect(store.kpis.read({ fromDay: '2026-02-30', toDay: '2026-03-01' })).rejects.toThrow(/fromDay/);
			await expect(store.kpis.read({ fromDay: '2020-01-01', toDay: '2026-03-01' })).rejects.toThrow(/at most/);
		});
	});
}
