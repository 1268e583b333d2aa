/**
 * The store contract of journey entries (Journey Entry, Exit Journey), run against the memory
 * store (test/unit/store/memory.test.ts) and the Redis store (test/integration/store/redis.test.ts)
 * with the same fixtures as test/store-suite.ts. Time moves with `advance` (no sleeping).
 */
import { describe, expect, it } from 'vitest';
import type { EntryRequest } from '../lib/store/types';
import { trackedFixtures, type MakeStore } from './store-suite';

const DAY = 86_400_000;
const REMEMBER = { rememberSeconds: 400 * 86_400 };

function request(overrides: Partial<EntryRequest> = {}): EntryRequest {
	return {
		contactId: 'alice@example.com',
		journey: 'cart-abandonment',
		entryId: 'entry-1',
		reentry: 'anyTime',
		whileActive: 'refuse',
		maxDurationMs: 90 * DAY,
		...overrides,
	};
}

export function describeEntryContract(name: string, makeStore: MakeStore): void {
	describe(`store contract (journey entries): ${name}`, () => {
		const fixture = trackedFixtures(makeStore);

		it('enters once while in the journey (refuse), and again after Exit Journey', async () => {
			const { store, advance } = await fixture();
			const t0 = await store.now();
			const [first] = await store.entries.enter([request()], REMEMBER);
			expect(first).toEqual({ entered: true, reason: 'entered', enteredAt: t0, retryAt: null, lastEnteredAt: null });
			advance(1000);
			const [second] = await store.entries.enter([request({ entryId: 'entry-2' })], REMEMBER);
			expect(second).toEqual({ entered: false, reason: 'already_in_journey', enteredAt: t0 + 1000, retryAt: t0 + 90 * DAY, lastEnteredAt: t0 });
			expect(await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }])).toEqual([{ exited: 1 }]);
			expect(await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }])).toEqual([{ exited: 0 }]);
			const [third] = await store.entries.enter([request({ entryId: 'entry-3' })], REMEMBER);
			expect(third).toEqual({ entered: true, reason: 'entered', enteredAt: t0 + 1000, retryAt: null, lastEnteredAt: t0 });
		});

		it('the same entry id passes as the same entry (a retry), also after an exit, until the maximum duration', async () => {
			const { store, advance } = await fixture();
			const t0 = await store.now();
			await store.entries.enter([request({ reentry: 'oncePerContact' })], REMEMBER);
			advance(5000);
			const [retry] = await store.entries.enter([request({ reentry: 'oncePerContact' })], REMEMBER);
			expect(retry).toMatchObject({ entered: true, reason: 'same_entry', enteredAt: t0 });
			await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }]);
			const [afterExit] = await store.entries.enter([request({ reentry: 'oncePerContact' })], REMEMBER);
			expect(afterExit).toMatchObject({ entered: true, reason: 'same_entry', enteredAt: t0 });
			// past the maximum duration the entry is over: the same id is a new attempt, judged by the rules
			advance(90 * DAY);
			const [late] = await store.entries.enter([request({ reentry: 'oncePerContact' })], REMEMBER);
			expect(late).toMatchObject({ entered: false, reason: 'entered_before', lastEnteredAt: t0 });
			const [lateAnyTime] = await store.entries.enter([request()], REMEMBER);
			expect(lateAnyTime).toMatchObject({ entered: true, reason: 'entered', enteredAt: t0 + 5000 + 90 * DAY });
		});

		it('once per contact: never again in this journey; other journeys and contacts are separate', async () => {
			const { store } = await fixture();
			const rule = { reentry: 'oncePerContact' as const, whileActive: 'allow' as const };
			const out = await store.entries.enter(
				[
					request({ ...rule }),
					request({ ...rule, entryId: 'entry-2' }),
					request({ ...rule, entryId: 'entry-3', journey: 'onboarding' }),
					request({ ...rule, entryId: 'entry-4', contactId: 'bob@example.com' }),
				],
				REMEMBER,
			);
			expect(out.map((d) => d.reason)).toEqual(['entered', 'entered_before', 'entered', 'entered']);
			await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }]);
			const [again] = await store.entries.enter([request({ ...rule, entryId: 'entry-5' })], REMEMBER);
			expect(again).toMatchObject({ entered: false, reason: 'entered_before', retryAt: null });
		});

		it('once per key: a new key enters, a known key does not (even after exit)', async () => {
			const { store } = await fixture();
			const rule = { reentry: 'oncePerKey' as const };
			const [cart1] = await store.entries.enter([request({ ...rule, key: 'cart-1' })], REMEMBER);
			expect(cart1.reason).toBe('entered');
			// refuse applies to the journey, whatever the key
			const [cart2Busy] = await store.entries.enter([request({ ...rule, key: 'cart-2', entryId: 'entry-2' })], REMEMBER);
			expect(cart2Busy.reason).toBe('already_in_journey');
			await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }]);
			const [cart1Again, cart2] = await store.entries.enter(
				[request({ ...rule, key: 'cart-1', entryId: 'entry-3' }), request({ ...rule, key: 'cart-2', entryId: 'entry-4', whileActive: 'allow' })],
				REMEMBER,
			);
			expect(cart1Again).toMatchObject({ entered: false, reason: 'key_entered_before' });
			expect(cart2).toMatchObject({ entered: true, reason: 'entered' });
		});

		it('again after a period: too soon until N days after the last entry, with retryAt', async () => {
			const { store, advance } = await fixture();
			const t0 = await store.now();
			const rule = { reentry: 'afterPeriod' as const, reentryAfterMs: 7 * DAY, whileActive: 'allow' as const };
			await store.entries.enter([request(rule)], REMEMBER);
			advance(7 * DAY - 1);
			const [early] = await store.entries.enter([request({ ...rule, entryId: 'entry-2' })], REMEMBER);
			expect(early).toEqual({ entered: false, reason: 'too_soon', enteredAt: t0 + 7 * DAY - 1, retryAt: t0 + 7 * DAY, lastEnteredAt: t0 });
			advance(1);
			const [onTime] = await store.entries.enter([request({ ...rule, entryId: 'entry-3' })], REMEMBER);
			expect(onTime).toMatchObject({ entered: true, reason: 'entered', enteredAt: t0 + 7 * DAY, lastEnteredAt: t0 });
			const [next] = await store.entries.enter([request({ ...rule, entryId: 'entry-4' })], REMEMBER);
			expect(next).toMatchObject({ entered: false, reason: 'too_soon', retryAt: t0 + 14 * DAY });
		});

		it('allow while in the journey: several active entries; exit by key ends only that entry', async () => {
			const { store } = await fixture();
			const allow = { whileActive: 'allow' as const };
			const out = await store.entries.enter(
				[request({ ...allow, key: 'cart-1' }), request({ ...allow, key: 'cart-2', entryId: 'entry-2' }), request({ ...allow, key: 'cart-2', entryId: 'entry-3' })],
				REMEMBER,
			);
			expect(out.every((d) => d.entered)).toBe(true);
			const exits = await store.entries.exit([
				{ contactId: 'alice@example.com', journey: 'cart-abandonment', key: 'cart-2' },
				{ contactId: 'alice@example.com', journey: 'other' },
			]);
			expect(exits).toEqual([{ exited: 2 }, { exited: 0 }]);
			const [refused] = await store.entries.enter([request({ entryId: 'entry-4' })], REMEMBER);
			expect(refused.reason).toBe('already_in_journey');
			expect(await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }])).toEqual([{ exited: 1 }]);
			const [entered] = await store.entries.enter([request({ entryId: 'entry-4' })], REMEMBER);
			expect(entered.reason).toBe('entered');
		});

		it('the maximum duration ends an entry without an exit', async () => {
			const { store, advance } = await fixture();
			const t0 = await store.now();
			await store.entries.enter([request({ maxDurationMs: 2 * DAY })], REMEMBER);
			advance(2 * DAY - 1);
			const [inside] = await store.entries.enter([request({ entryId: 'entry-2', maxDurationMs: 2 * DAY })], REMEMBER);
			expect(inside).toMatchObject({ reason: 'already_in_journey', retryAt: t0 + 2 * DAY });
			advance(1);
			const [after] = await store.entries.enter([request({ entryId: 'entry-2', maxDurationMs: 2 * DAY })], REMEMBER);
			expect(after).toMatchObject({ entered: true, reason: 'entered' });
			expect(await store.entries.exit([{ contactId: 'alice@example.com', journey: 'cart-abandonment' }])).toEqual([{ exited: 1 }]);
		});

		it('many attempts for one contact at once: exactly one enters', async () => {
			const { store } = await fixture();
			const attempts = Array.from({ length: 20 }, (_, i) => request({ entryId: `entry-${i}` }));
			const oneBatch = await store.entries.enter(attempts, REMEMBER);
			expect(oneBatch.filter((d) => d.entered)).toHaveLength(1);
			const racing = await Promise.all(
				Array.from({ length: 20 }, (_, i) => store.entries.enter([request({ journey: 'race', entryId: `race-${i}` })], REMEMBER)),
			);
			expect(racing.flat().filter((d) => d.entered)).toHaveLength(1);
			expect(racing.flat().filter((d) => d.reason === 'already_in_journey')).toHaveLength(19);
		});

		it('erase removes the contact\'s entries: the rules no longer remember them', async () => {
			const { store } = await fixture();
			const once = { reentry: 'oncePerContact' as const, whileActive: 'allow' as const };
			await store.entries.enter([request(once), request({ ...once, contactId: 'bob@example.com' })], REMEMBER);
			const [erased] = await store.contacts.erase(['alice@example.com']);
			expect(erased.removed).toBeGreaterThan(0);
			const [alice, bob] = await store.entries.enter(
				[request({ ...once, entryId: 'entry-2' }), request({ ...once, entryId: 'entry-2', contactId: 'bob@example.com' })],
				REMEMBER,
			);
			expect(alice).toMatchObject({ entered: true, reason: 'entered', lastEnteredAt: null });
			expect(bob).toMatchObject({ entered: false, reason: 'entered_before' });
		});

		it('refuses requests it cannot decide, naming what is missing', async () => {
			const { store } = await fixture();
			await expect(store.entries.enter([request({ reentry: 'oncePerKey' })], REMEMBER)).rejects.toThrow(/entry key/);
			await expect(store.entries.enter([request({ reentry: 'afterPeriod' })], REMEMBER)).rejects.toThrow(/period/);
			await expect(store.entries.enter([request({ maxDurationMs: 0 })], REMEMBER)).rejects.toThrow(/maximum duration/);
		});

		describe('conversion goals', () => {
			const goal = { event: 'purchase', conditions: '', windowMs: 7 * DAY };
			const ref = { contactId: 'alice@example.com', journey: 'cart-abandonment', entryId: 'entry-1' };

			it('an event of the goal within the window converts the entry once, with its variant and last send step', async () => {
				const { store, advance } = await fixture();
				const t0 = await store.now();
				await store.entries.enter([request({ goal })], REMEMBER);
				await store.entries.setVariant([{ ...ref, variant: 'B' }]);
				await store.entries.recordSend([{ ...ref, step: 'Push 1h' }]);
				await store.entries.recordSend([{ ...ref, step: 'Email 24h' }]);
				advance(2 * DAY);
				const [open] = await store.entries.openGoals([{ contactId: 'alice@example.com', event: 'purchase', at: t0 + 2 * DAY }]);
				expect(open).toEqual([{ ref: expect.any(String), conditions: '' }]);
				const claims = [{ contactId: 'alice@example.com', ref: open[0].ref }];
				const [first, second] = await store.entries.convert([...claims, ...claims]);
				expect(first).toEqual({ converted: true, journey: 'cart-abandonment', variant: 'B', step: 'Email 24h' });
				expect(second).toMatchObject({ converted: false });
				expect(await store.entries.convert(claims)).toEqual([expect.objectContaining({ converted: false })]);
				expect(await store.entries.openGoals([{ contactId: 'alice@example.com', event: 'purchase', at: t0 + 2 * DAY }])).toEqual([[]]);
			});

			it('only the goal event, only within [entry, entry + window], only entries that have a goal', async () => {
				const { store } = await fixture();
				const t0 = await store.now();
				await store.entries.enter([request({ goal: { ...goal, conditions: '{"all":[]}' }, variant: 'A' }), request({ journey: 'no-goal' })], REMEMBER);
				const at = (ms: number, event = 'purchase') => ({ contactId: 'alice@example.com', event, at: ms });
				const [inside, before, after, other, edge] = await store.entries.openGoals([at(t0 + DAY), at(t0 - 1), at(t0 + 7 * DAY + 1), at(t0 + DAY, 'signup'), at(t0 + 7 * DAY)]);
				expect(inside).toEqual([{ ref: expect.any(String), conditions: '{"all":[]}' }]);
				expect([before, after, other]).toEqual([[], [], []]);
				expect(edge).toHaveLength(1);
				// a goal-less journey keeps no variant and no send
				await store.entries.setVariant([{ ...ref, journey: 'no-goal', variant: 'B' }]);
				await store.entries.recordSend([{ ...ref, journey: 'no-goal', step: 'Email' }]);
				const [conversion] = await store.entries.convert([{ contactId: 'alice@example.com', ref: inside[0].ref }]);
				expect(conversion).toEqual({ converted: true, journey: 'cart-abandonment', variant: 'A', step: '' });
			});

			it('a retry of the same entry keeps its goal (and its conversion); refused entries get none', async () => {
				const { store } = await fixture();
				const t0 = await store.now();
				await store.entries.enter([request({ goal })], REMEMBER);
				const [open] = await store.entries.openGoals([{ contactId: 'alice@example.com', event: 'purchase', at: t0 }]);
				await store.entries.convert([{ contactId: 'alice@example.com', ref: open[0].ref }]);
				const [retry, refused] = await store.entries.enter([request({ goal }), request({ goal, entryId: 'entry-2' })], REMEMBER);
				expect(retry.reason).toBe('same_entry');
				expect(refused.reason).toBe('already_in_journey');
				expect(await store.entries.openGoals([{ contactId: 'alice@example.com', event: 'purchase', at: t0 }])).toEqual([[]]);
			});

			it('two entries of one contact in the journey convert separately', async () => {
				const { store, advance } = await fixture();
				const t0 = await store.now();
				await store.entries.enter([request({ goal, whileActive: 'allow' })], REMEMBER);
				advance(1000);
				await store.entries.enter([request({ goal, whileActive: 'allow', entryId: 'entry-2' })], REMEMBER);
				const [open] = await store.entries.openGoals([{ contactId: 'alice@example.com', event: 'purchase', at: t0 + 2000 }]);
				expect(open).toHaveLength(2);
				const conversions = await store.entries.convert(open.map((g) => ({ contactId: 'alice@example.com', ref: g.ref })));
				expect(conversions.map((c) => c.converted)).toEqual([true, true]);
			});

			it('erase removes the goals', async () => {
				const { store } = await fixture();
				const t0 = await store.now();
				await store.entries.enter([request({ goal })], REMEMBER);
				await store.contacts.erase(['alice@example.com']);
				expect(await store.entries.openGoals([{ contactId: 'alice@example.com', event: 'purchase', at: t0 }])).toEqual([[]]);
			});
		});
	});
}
