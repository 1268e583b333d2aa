/**
 * The Redis cap script answers a contact with no send log from an answer the caller computed
 * (leanAnswer) while the server's clock is inside the span the caller gave, and runs the full
 * evaluation otherwise. That answer must be the full evaluation's: here it is held against the
 * memory store (the same algorithm as the script, one contract suite) for a fresh contact at the
 * span's first and last millisecond and at the time it was computed for.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileCapRequest, toCapDecision, type CapRequest, type CapRule } from '../../../lib/store/caps';
import { MemoryCapStore } from '../../../lib/store/memory/caps';
import { leanAnswer } from '../../../lib/store/redis/caps';

const zone = 'Europe/Berlin';
const at = (isoTime: string) => DateTime.fromISO(isoTime, { zone }).toMillis();
const dimName = (kind: string, value: string) => `${kind}:${value}`;

const perDay: CapRule = { kind: 'limit', id: 'per day', scope: 'channel', limit: 3, window: { kind: 'calendar', unit: 'day' } };
const perWeek: CapRule = { kind: 'limit', id: 'per week', scope: 'all', limit: 10, window: { kind: 'rolling', ms: 7 * 86_400_000 } };
const perMonth: CapRule = { kind: 'limit', id: 'per month', scope: 'all', limit: 2, window: { kind: 'calendar', unit: 'month' } };
const gap: CapRule = { kind: 'gap', id: 'gap', scope: 'all', gapMs: 4 * 3_600_000 };
const blocked: CapRule = { kind: 'limit', id: 'blocked', scope: 'campaign', limit: 0, window: { kind: 'rolling', ms: 86_400_000 } };
const promoTag: CapRule = { kind: 'limit', id: 'promo', scope: 'tag', tag: 'promo', limit: 1, window: { kind: 'rolling', ms: 86_400_000 } };

const base: CapRequest = { mode: 'reserve', contactId: 'c', channel: 'email', campaign: 'spring', tags: ['news'], timeZone: zone, messageKey: 'm1' };
const cases: Array<[string, Partial<CapRequest>, string]> = [
	['no rules', { rules: [] }, '2024-10-27T12:00'],
	['gap only', { rules: [gap] }, '2024-10-27T12:00'],
	['calendar day, rolling week and gap (the tightest wins)', { rules: [perDay, perWeek, gap] }, '2024-10-27T12:00'],
	['equal limits: the first rule', { rules: [perWeek, { ...perWeek, id: 'again' }] }, '2024-03-31T01:30'],
	['calendar month under a day', { rules: [perDay, perMonth] }, '2024-02-29T23:59'],
	['a tag rule that counts no tag of the message', { rules: [promoTag, perWeek] }, '2024-10-27T12:00'],
	['a limit of 0', { rules: [perWeek, blocked] }, '2024-10-27T12:00'],
	['inside the sending hours', { rules: [perDay], quietHours: { from: '08:00', until: '21:00' } }, '2024-10-27T12:00'],
	['during quiet hours', { rules: [perDay], quietHours: { from: '08:00', until: '21:00' } }, '2024-10-27T22:00'],
	['sending hours past midnight', { rules: [perWeek], quietHours: { from: '22:00', until: '06:00' } }, '2024-10-27T02:30'],
	['record', { mode: 'record', rules: undefined }, '2024-10-27T12:00'],
	['check', { mode: 'check', rules: [perDay] }, '2024-10-27T12:00'],
	['release', { mode: 'release', rules: undefined }, '2024-10-27T12:00'],
];

/** The memory store's decision for a contact with no log at `now`. */
async function fresh(request: CapRequest, now: number) {
	const [decision] = await new MemoryCapStore(() => now).apply([request]);
	return decision;
}

describe('the answer for a contact with no send log (Redis lean path)', () => {
	for (const [name, change, when] of cases) {
		it(name, async () => {
			const request = { ...base, ...change } as CapRequest;
			const around = at(when);
			const compiled = compileCapRequest(request, around, dimName);
			const lean = leanAnswer(compiled, around);
			const expected = await fresh(request, around);
			if (lean === undefined) {
				// only where the full evaluation is needed anyway: nothing allowed, or no write
				expect(request.mode === 'check' || request.mode === 'release' || !expected.allowed, JSON.stringify(expected)).toBe(true);
				return;
			}
			expect(lean.from).toBeLessThanOrEqual(around);
			expect(lean.until).toBeGreaterThan(around);
			const [code, ruleRef, count, limit, retryAt] = lean.answer.split(',').map(Number);
			for (const now of [lean.from, around, lean.until - 1]) {
				if (now < 0 || now >= Number.MAX_SAFE_INTEGER - 1) continue;
				const answered = toCapDecision(request, compiled, { code, ruleRef, count, limit, retryAt }, now);
				expect(answered).toEqual(await fresh(request, now));
			}
		});
	}

	it('the span ends where the answer would change: a calendar period or quiet hours', () => {
		const request = { ...base, rules: [perDay], quietHours: { from: '08:00', until: '21:00' } } as CapRequest;
		const around = at('2024-10-27T12:00');
		const lean = leanAnswer(compileCapRequest(request, around, dimName), around)!;
		expect(lean.from).toBe(at('2024-10-27T08:00'));
		expect(lean.until).toBe(at('2024-10-27T21:00'));
		const calendarOnly = leanAnswer(compileCapRequest({ ...base, rules: [perDay] }, around, dimName), around)!;
		// the calendar bounds around now: the previous day's start to the end of the next day
		expect(calendarOnly.from).toBe(at('2024-10-26T00:00'));
		expect(calendarOnly.until).toBe(at('2024-10-29T00:00'));
	});
});
