import { describe, expect, it } from 'vitest';
import { compileConditions, getOperator, OPERATORS, operatorNames } from '../../../rules';
import { check, DAY, decide, NOW, plainEngineDecides } from './helpers';

const seoul = { now: NOW, timezone: 'Asia/Seoul' };
const la = { now: NOW, timezone: 'America/Los_Angeles' };

describe('operator table', () => {
	it('has every operator once, with a marketer label and a value kind', () => {
		const names = operatorNames();
		expect(new Set(names).size).toBe(names.length);
		for (const name of [
			'equal',
			'notEqual',
			'lessThan',
			'lessThanInclusive',
			'greaterThan',
			'greaterThanInclusive',
			'in',
			'notIn',
			'contains',
			'doesNotContain',
			'stringContains',
			'stringDoesNotContain',
			'startsWith',
			'endsWith',
			'equalsIgnoreCase',
			'stringContainsIgnoreCase',
			'startsWithIgnoreCase',
			'endsWithIgnoreCase',
			'isIn',
			'isNotIn',
			'containsAny',
			'containsAll',
			'exists',
			'notExists',
			'isEmpty',
			'isNotEmpty',
			'between',
			'withinLast',
			'moreThanAgo',
			'before',
			'after',
			'anniversaryWithin',
			'matchesRegex',
		]) {
			expect(getOperator(name), name).toBeDefined();
		}
		for (const op of OPERATORS) {
			expect(op.label.length).toBeGreaterThan(0);
			expect(op.valueKind).toMatch(/^[a-z]+$/);
		}
	});
});

describe("json-rules-engine's built-ins keep their meaning", () => {
	it.each([
		['equal', 'KR', 'KR', true],
		['equal', 1, '1', false],
		['equal', null, null, true],
		['notEqual', 'KR', undefined, true],
		['notEqual', 5, 5, false],
		['in', ['KR', 'JP'], 'JP', true],
		['in', ['KR', 'JP'], undefined, false],
		['notIn', ['KR'], undefined, true],
		['notIn', ['KR'], 'KR', false],
		['contains', 'vip', ['vip', 'beta'], true],
		['contains', 'vip', 'vip', false],
		['doesNotContain', 'vip', ['beta'], true],
		['doesNotContain', 'vip', 'not a list', false],
	])('%s %j on %j is %s', async (operator, value, fact, expected) => {
		expect(await check(operator, value, fact)).toBe(expected);
	});

	it.each([
		['lessThan', 10, 9, true],
		['lessThan', 10, 10, false],
		['lessThanInclusive', 10, 10, true],
		['greaterThan', 9, '10', true], // numeric text is coerced by JavaScript's ">"
		['greaterThan', 5, ' 42 ', true],
		['greaterThan', 5, '42abc', false], // parseFloat reads 42, but "42abc" > 5 is false
		['greaterThanInclusive', 100, 99.5, false],
		['greaterThan', 5, [10], true], // json-rules-engine: parseFloat([10]) is 10, [10] > 5
		['lessThan', 5, null, false],
		['lessThan', 5, 'abc', false],
		['lessThan', 5, '', false],
		['lessThan', 5, true, false],
	])('%s %j on %j is %s, as in a plain json-rules-engine', async (operator, value, fact, expected) => {
		expect(await check(operator, value, fact)).toBe(expected);
		expect(await plainEngineDecides({ all: [{ fact: 'f', operator, value }] }, { f: fact })).toBe(
			expected,
		);
	});

	it('refuses text as the value of a number comparison, naming the path', () => {
		expect(() =>
			compileConditions({ all: [{ fact: 'plan', operator: 'greaterThan', value: 'free' }] }),
		).toThrow(/^conditions\.all\[0\]\.value: "greaterThan" needs a number, got "free"/);
		expect(() =>
			compileConditions({ all: [{ fact: 'age', operator: 'lessThan', value: '18' }] }),
		).toThrow('conditions.all[0].value: "lessThan" compares numbers: write 18 without quotes');
	});

	it.each([
		// two texts from fields compare as json-rules-engine does: by JavaScript's "<"
		['greaterThan', '10', '9', false],
		['lessThan', '10', '9', true],
		['greaterThan', 'pro', 'free', false], // "pro" is not a number: false, never alphabetical
		['greaterThan', 150, 100, true],
		['greaterThanInclusive', 100, '100', true],
		['lessThan', 5, undefined, false],
		['equal', undefined, undefined, true],
		['equal', 'KR', 'KR', true],
		['notEqual', 'KR', 'JP', true],
		['contains', ['vip', 'beta'], 'vip', true],
		['doesNotContain', ['beta'], 'vip', true],
	])('%s with a value from another field: %j vs %j is %s', async (operator, a, b, expected) => {
		const tree = { all: [{ fact: 'a', operator, value: { fact: 'b' } }] };
		const contact: Record<string, unknown> = {};
		if (a !== undefined) contact.a = a;
		if (b !== undefined) contact.b = b;
		expect(await decide(tree as never, contact)).toBe(expected);
		expect(await plainEngineDecides(tree, contact)).toBe(expected);
	});
});

describe('text', () => {
	it.each([
		['stringContains', 'example', 'a@example.com', true],
		['stringContains', 'Example', 'a@example.com', false],
		['stringContains', 'x', null, false],
		['stringContains', 'x', ['x'], false],
		['stringDoesNotContain', 'test', 'a@example.com', true],
		['stringDoesNotContain', 'test', 'test@example.com', false],
		['stringDoesNotContain', 'test', undefined, true],
		['startsWith', '010', '010-1234-5678', true],
		['startsWith', '10', 1012345678, true],
		['endsWith', '.kr', 'shop.co.kr', true],
		['endsWith', '.kr', 'shop.com', false],
		['equalsIgnoreCase', 'pro', 'PRO', true],
		['equalsIgnoreCase', 'äbc', 'ÄBC', true],
		['equalsIgnoreCase', '한글', '한글', true],
		['equalsIgnoreCase', 'pro', 'pro plan', false],
		['stringContainsIgnoreCase', 'VIP', 'a vip customer', true],
		['startsWithIgnoreCase', 'MR', 'mr. kim', true],
		['endsWithIgnoreCase', '@EXAMPLE.COM', 'a@Example.com', true],
		['endsWithIgnoreCase', 'x', 42, false],
	])('%s %j on %j is %s', async (operator, value, fact, expected) => {
		expect(await check(operator, value, fact)).toBe(expected);
	});
});

describe('lists', () => {
	it.each([
		['isIn', ['KR', 'JP'], 'KR', true],
		['isIn', ['1', '2'], 1, false],
		['isIn', ['KR'], undefined, false],
		['isIn', ['KR'], ['KR'], false],
		['isNotIn', ['KR', 'JP'], 'US', true],
		['isNotIn', ['KR', 'JP'], 'KR', false],
		['isNotIn', ['KR'], undefined, true],
		['containsAny', ['vip', 'beta'], ['newsletter', 'beta'], true],
		['containsAny', ['vip'], ['newsletter'], false],
		['containsAny', ['vip'], 'vip', false],
		['containsAll', ['vip', 'beta'], ['beta', 'x', 'vip'], true],
		['containsAll', ['vip', 'beta'], ['vip'], false],
		['containsAll', ['vip'], null, false],
	])('%s %j on %j is %s', async (operator, value, fact, expected) => {
		expect(await check(operator, value, fact)).toBe(expected);
	});
});

describe('existence (the value is ignored)', () => {
	const cases: [unknown, boolean, boolean][] = [
		// fact, exists, empty
		[undefined, false, true],
		[null, false, true],
		['', true, true],
		[[], true, true],
		[{}, true, true],
		[' ', true, false],
		[0, true, false],
		[false, true, false],
		[['a'], true, false],
		[{ a: 1 }, true, false],
		[new Date(NOW), true, false],
	];
	it.each(cases)('%j: exists %s, empty %s', async (fact, exists, empty) => {
		expect(await check('exists', undefined, fact)).toBe(exists);
		expect(await check('notExists', undefined, fact)).toBe(!exists);
		expect(await check('isEmpty', undefined, fact)).toBe(empty);
		expect(await check('isNotEmpty', 'ignored', fact)).toBe(!empty);
	});
});

describe('between', () => {
	it.each([
		[18, true],
		[65, true],
		[17.9, false],
		[66, false],
		['30', true],
		[null, false],
		['thirty', false],
	])('[18, 65] on %j is %s', async (fact, expected) => {
		expect(await check('between', [18, 65], fact)).toBe(expected);
	});
});

describe('relative dates', () => {
	it('withinLast / moreThanAgo accept { amount, unit } and short forms', async () => {
		const sixDaysAgo = new Date(NOW - 6 * DAY).toISOString();
		expect(await check('withinLast', { amount: 7, unit: 'days' }, sixDaysAgo)).toBe(true);
		expect(await check('withinLast', '7d', sixDaysAgo)).toBe(true);
		expect(await check('withinLast', '5d', sixDaysAgo)).toBe(false);
		expect(await check('withinLast', '24h', NOW - 23 * 3_600_000)).toBe(true);
		expect(await check('withinLast', '30m', NOW - 31 * 60_000)).toBe(false);
		expect(await check('withinLast', '2w', new Date(NOW - 13 * DAY))).toBe(true);
		expect(await check('withinLast', { amount: 1, unit: 'months' }, '2024-04-03T15:30:00Z')).toBe(
			true,
		);
		expect(await check('withinLast', { amount: 1, unit: 'months' }, '2024-04-03T15:29:59Z')).toBe(
			false,
		);
		expect(await check('moreThanAgo', '90d', new Date(NOW - 91 * DAY).toISOString())).toBe(true);
		expect(await check('moreThanAgo', '90d', new Date(NOW - 89 * DAY).toISOString())).toBe(false);
	});

	it('a date in the future is not within the last', async () => {
		expect(await check('withinLast', '7d', NOW + 60_000)).toBe(false);
		expect(await check('moreThanAgo', '7d', NOW + 60_000)).toBe(false);
	});

	it('a fact that is not a date makes the condition false', async () => {
		for (const op of ['withinLast', 'moreThanAgo']) {
			for (const fact of [
				'abc',
				'2024-02-30',
				'2024-13-01',
				true,
				{},
				[],
				null,
				undefined,
				Number.NaN,
			]) {
				expect(await check(op, '7d', fact), `${op} on ${String(fact)}`).toBe(false);
			}
		}
		expect(await check('before', '2030-01-01', 'yesterday')).toBe(false);
		expect(await check('anniversaryWithin', 7, 'May 4')).toBe(false);
	});

	it('counts calendar days in the contact zone across a DST change (Europe/Berlin, 2024-03-31)', async () => {
		// 14:00 CEST on the day clocks went forward: "1 day ago" is 14:00 CET the day before, 23 h earlier
		const now = Date.parse('2024-03-31T12:00:00Z');
		const twentyThreeAndAHalfHoursAgo = now - 23.5 * 3_600_000;
		expect(
			await check('withinLast', '1d', twentyThreeAndAHalfHoursAgo, {
				now,
				timezone: 'Europe/Berlin',
			}),
		).toBe(false);
		expect(
			await check('withinLast', '1d', twentyThreeAndAHalfHoursAgo, { now, timezone: 'UTC' }),
		).toBe(true);
		expect(
			await check('withinLast', '24h', twentyThreeAndAHalfHoursAgo, {
				now,
				timezone: 'Europe/Berlin',
			}),
		).toBe(true);
		expect(
			await check('moreThanAgo', '1d', twentyThreeAndAHalfHoursAgo, {
				now,
				timezone: 'Europe/Berlin',
			}),
		).toBe(true);
	});

	it('reads a date without an offset in the contact zone (Seoul vs Los Angeles around midnight)', async () => {
		// NOW is May 4 00:30 in Seoul and May 3 08:30 in Los Angeles
		expect(await check('before', '2024-05-04', '2024-05-03T14:59:00Z', seoul)).toBe(true);
		expect(await check('before', '2024-05-04', '2024-05-03T16:00:00Z', seoul)).toBe(false);
		expect(await check('before', '2024-05-04', '2024-05-03T16:00:00Z', la)).toBe(true);
		expect(await check('after', '2024-05-03', NOW, seoul)).toBe(true); // already May 4 in Seoul
		expect(await check('after', '2024-05-03', NOW, la)).toBe(false); // still May 3 in LA
		expect(await check('after', '2024-05-03T08:00:00', NOW, la)).toBe(true);
		expect(await check('after', '2024-05-03T09:00:00', NOW, la)).toBe(false);
		expect(await check('before', '2024-05-03T15:30:00Z', NOW, la)).toBe(false); // strict
		expect(await check('after', '2024-05-03T15:29:59.999Z', NOW, seoul)).toBe(true);
		// a fact date without offset is read in the contact zone too
		expect(await check('withinLast', '1h', '2024-05-04T00:00:00', seoul)).toBe(true);
		expect(await check('withinLast', '1h', '2024-05-04T00:00:00', la)).toBe(false);
	});

	it('anniversaryWithin counts today in the contact zone', async () => {
		expect(await check('anniversaryWithin', 1, '1990-05-04', seoul)).toBe(true);
		expect(await check('anniversaryWithin', 1, '1990-05-04', la)).toBe(false);
		expect(await check('anniversaryWithin', 1, '1990-05-03', la)).toBe(true);
		expect(await check('anniversaryWithin', 1, '1990-05-03', seoul)).toBe(false);
		expect(await check('anniversaryWithin', 2, '1990-05-04', la)).toBe(true);
		// an instant is turned into the contact's calendar day: 20:00 UTC on May 3 is May 4 in Seoul
		expect(await check('anniversaryWithin', 1, '1990-05-03T20:00:00Z', seoul)).toBe(true);
		// 03:00 UTC on May 4 is still May 3 in Los Angeles (today there), but May 4 in UTC (tomorrow)
		expect(await check('anniversaryWithin', 1, Date.parse('1990-05-04T03:00:00Z'), la)).toBe(true);
		expect(await check('anniversaryWithin', 1, Date.parse('1990-05-04T03:00:00Z'))).toBe(false);
		expect(await check('anniversaryWithin', 7, new Date('1985-05-09T12:00:00Z'), seoul)).toBe(true);
		expect(await check('anniversaryWithin', 7, new Date('1985-05-11T12:00:00Z'), seoul)).toBe(
			false,
		);
	});

	it('anniversaryWithin wraps the year end', async () => {
		const ctx = { now: Date.parse('2024-12-30T12:00:00Z'), timezone: 'UTC' };
		expect(await check('anniversaryWithin', 4, '1990-01-02', ctx)).toBe(true);
		expect(await check('anniversaryWithin', 3, '1990-01-02', ctx)).toBe(false);
	});

	it('a Feb 29 anniversary is on Feb 28 in a year without Feb 29', async () => {
		const feb28NonLeap = { now: Date.parse('2023-02-28T12:00:00Z'), timezone: 'UTC' };
		const mar1NonLeap = { now: Date.parse('2023-03-01T12:00:00Z'), timezone: 'UTC' };
		const feb28Leap = { now: Date.parse('2024-02-28T12:00:00Z'), timezone: 'UTC' };
		const feb29Leap = { now: Date.parse('2024-02-29T12:00:00Z'), timezone: 'UTC' };
		expect(await check('anniversaryWithin', 1, '2000-02-29', feb28NonLeap)).toBe(true);
		expect(await check('anniversaryWithin', 1, '2000-02-29', mar1NonLeap)).toBe(false);
		expect(await check('anniversaryWithin', 1, '2000-02-29', feb28Leap)).toBe(false);
		expect(await check('anniversaryWithin', 2, '2000-02-29', feb28Leap)).toBe(true);
		expect(await check('anniversaryWithin', 1, '2000-02-29', feb29Leap)).toBe(true);
		expect(await check('anniversaryWithin', 1, '1999-02-28', feb29Leap)).toBe(false);
	});
});

describe('matchesRegex', () => {
	it.each([
		['^\\d{3}-\\d{4}$', '555-1234', true],
		['^\\d{3}-\\d{4}$', 'call 555-1234', false],
		['example\\.com$', 'a@example.com', true],
		[{ pattern: '^abc', flags: 'i' }, 'ABCdef', true],
		[{ pattern: '^abc' }, 'ABCdef', false],
		['(?i)^pro', 'Pro plan', true],
		['^\\p{Hangul}+$', '한글', true],
		['^10', 1012345678, true],
		['.', null, false],
		['.', ['a'], false],
	])('%j on %j is %s', async (value, fact, expected) => {
		expect(await check('matchesRegex', value, fact)).toBe(expected);
	});
});

describe('dates compared with another field', () => {
	const tree = {
		all: [{ fact: 'orders.last.at', operator: 'after', value: { fact: 'email.lastSentAt' } }],
	};
	it.each([
		['2024-05-02T10:00:00Z', '2024-05-01T10:00:00Z', true],
		['2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z', false],
		[NOW, NOW - DAY, true],
		[new Date(NOW).toISOString(), NOW - 1, true],
		['2024-05-02T00:30:00', '2024-05-01', true], // a date alone: from the next day's start on
		['2024-05-01T23:30:00', '2024-05-01', false],
		['2024-05-02', 'not a date', false],
		['2024-05-02', undefined, false],
		[undefined, '2024-05-01', false],
	])('after: %j vs %j is %s in both paths', async (purchase, email, expected) => {
		const contact = { orders: { last: { at: purchase } }, email: { lastSentAt: email } };
		expect(await decide(tree as never, contact)).toBe(expected);
	});

	it('reads a date-only value in the contact zone', async () => {
		const before = {
			all: [{ fact: 'a', operator: 'before', value: { fact: 'b' } }],
		};
		// 2024-05-03T15:30Z is May 4 00:30 in Seoul: before "2024-05-04" there only in UTC
		const contact = { a: NOW, b: '2024-05-04' };
		expect(await decide(before as never, contact, { now: NOW, timezone: 'UTC' })).toBe(true);
		expect(await decide(before as never, contact, { now: NOW, timezone: 'Asia/Seoul' })).toBe(false);
	});
});
