import { describe, expect, it } from 'vitest';
import { parseRulesJson, validateConditions, validateRule } from '../../../rules';

const leaf = (extra: Record<string, unknown> = {}) => ({
	fact: 'email',
	operator: 'endsWith',
	value: '@example.com',
	...extra,
});

describe('validateConditions', () => {
	it('accepts a valid tree with every group kind', () => {
		const tree = {
			all: [
				leaf(),
				{
					any: [
						{ fact: 'tags', operator: 'containsAny', value: ['vip'] },
						{ not: { fact: 'plan', operator: 'exists' } },
					],
				},
				{ fact: 'lastSeenAt', operator: 'withinLast', value: '30d', name: 'recent', priority: 2 },
			],
		};
		expect(validateConditions(tree)).toEqual([]);
	});

	it('names an unknown operator with its path and a suggestion', () => {
		const tree = { all: [leaf(), leaf(), { fact: 'name', operator: 'cotains', value: 'x' }] };
		expect(validateConditions(tree)).toEqual([
			{
				path: 'conditions.all[2].operator',
				message: 'unknown operator "cotains" (did you mean "stringContains" or "contains"?)',
			},
		]);
		expect(
			validateConditions({ any: [{ fact: 'a', operator: 'startswith', value: 'x' }] })[0].message,
		).toBe('unknown operator "startswith" (did you mean "startsWith"?)');
		expect(validateConditions({ any: [{ fact: 'a', operator: 'gte', value: 1 }] })[0].message).toBe(
			'unknown operator "gte" (did you mean "greaterThanInclusive"?)',
		);
		expect(
			validateConditions({ any: [{ fact: 'a', operator: 'everyFact:equal', value: 1 }] })[0].path,
		).toBe('conditions.any[0].operator');
	});

	it('reports every error, not just the first', () => {
		const tree = {
			all: [
				{ fact: 'age', operator: 'between', value: [65, 18] },
				{ fact: 'lastSeenAt', operator: 'withinLast', value: 'soon' },
				{
					any: [
						{ fact: 'country', operator: 'isIn', value: [] },
						{ fact: 'x', operater: 'equal', value: 1 },
					],
				},
				{ not: [leaf()] },
			],
		};
		const errors = validateConditions(tree);
		expect(errors.map((e) => e.path)).toEqual([
			'conditions.all[0].value',
			'conditions.all[1].value',
			'conditions.all[2].any[0].value',
			'conditions.all[2].any[1].operater',
			'conditions.all[2].any[1].operator',
			'conditions.all[3].not',
		]);
		expect(errors[0].message).toBe('"between" needs min <= max, got [65, 18]');
		expect(errors[1].message).toMatch(/^"withinLast": "soon" is not a duration/);
		expect(errors[2].message).toBe('"isIn" needs at least one value in the list');
		expect(errors[3].message).toBe('unknown property "operater" (did you mean "operator"?)');
		expect(errors[4].message).toMatch(/^missing "operator"/);
	});

	it('checks the value kind of each operator', () => {
		const cases: [string, unknown, string][] = [
			['between', [1], '"between" needs [min, max] (two numbers), got [1]'],
			['between', '1-5', '"between" needs [min, max] (two numbers), got "1-5"'],
			[
				'withinLast',
				{ amount: 0, unit: 'days' },
				'"withinLast": the duration amount must be a whole number from 1 to 100000, got 0',
			],
			[
				'moreThanAgo',
				{ amount: 3, unit: 'years' },
				'"moreThanAgo": unknown duration unit "years": use minutes, hours, days, weeks, months',
			],
			[
				'before',
				'03/01/2024',
				'"before" needs an ISO date such as "2024-03-01" or "2024-03-01T09:00:00Z", got "03/01/2024"',
			],
			[
				'after',
				'2024-02-30',
				'"after" needs an ISO date such as "2024-03-01" or "2024-03-01T09:00:00Z", got "2024-02-30"',
			],
			[
				'anniversaryWithin',
				0,
				'"anniversaryWithin" needs a whole number of days from 1 to 366, got 0',
			],
			[
				'equal',
				{ a: 1 },
				'"equal" needs one value (text, number, true/false or null), got {"a":1}',
			],
			['isIn', 'KR', '"isIn" needs a list of values such as ["KR", "JP"], got "KR"'],
			[
				'containsAll',
				[['a']],
				'"containsAll": list entry 0 must be text, a number, true/false or null, got ["a"]',
			],
			['stringContains', null, '"stringContains" needs text, got null'],
			[
				'greaterThan',
				true,
				'"greaterThan" needs a number, got true (text is not ordered by alphabet here; for dates use "before" or "after")',
			],
		];
		for (const [operator, value, message] of cases) {
			expect(validateConditions({ all: [{ fact: 'f', operator, value }] }), operator).toEqual([
				{ path: 'conditions.all[0].value', message },
			]);
		}
		expect(validateConditions({ all: [{ fact: 'f', operator: 'equal' }] })).toEqual([
			{ path: 'conditions.all[0].value', message: '"equal" needs a value' },
		]);
		// operators that take no value accept it missing or present
		expect(
			validateConditions({
				all: [
					{ fact: 'f', operator: 'exists' },
					{ fact: 'f', operator: 'isEmpty', value: 'x' },
				],
			}),
		).toEqual([]);
	});

	it('checks values that name another field, with the path of each problem', () => {
		const tree = {
			all: [
				{ fact: 'cartTotal', operator: 'greaterThan', value: { fact: 'stats.averageOrder' } },
				{ fact: 'lastPurchaseAt', operator: 'after', value: { fact: 'lastEmailAt' } },
				{ fact: 'country', operator: 'isIn', value: { fact: 'allowed' } },
				{ fact: 'total', operator: 'equal', value: { fact: 'stats', path: '$.avg' } },
				{ fact: 'total', operator: 'equal', value: { fact: 'avg', params: {}, extra: 1 } },
				{ fact: 'total', operator: 'equal', value: { fact: '__proto__.x' } },
				{ fact: 'total', operator: 'equal', value: { fact: 'eventCount' } },
				{
					fact: 'eventCount',
					params: { event: 'order_completed' },
					operator: 'greaterThan',
					value: { fact: 'n' },
				},
			],
		};
		const errors = validateConditions(tree);
		expect(errors.map((e) => e.path)).toEqual([
			'conditions.all[2].value',
			'conditions.all[3].value.path',
			'conditions.all[4].value.params',
			'conditions.all[4].value.extra',
			'conditions.all[5].value.fact',
			'conditions.all[6].value.fact',
			'conditions.all[7].value',
		]);
		expect(errors[0].message).toMatch(
			/^"isIn" compares with a fixed value; comparing with another field \(\{ "fact": \.\.\. \}\) works with equal, notEqual, lessThan/,
		);
		expect(errors[1].message).toMatch(/JSONPath\) is not supported/);
	});

	it('refuses JSONPath, unsafe fact paths and named conditions', () => {
		const tree = {
			any: [
				{ fact: 'address', path: '$.country', operator: 'equal', value: 'KR' },
				{ fact: '__proto__.polluted', operator: 'exists' },
				{ fact: 'a.constructor', operator: 'exists' },
				{ fact: 'prototype', operator: 'exists' },
				{ fact: '$.email', operator: 'exists' },
				{ fact: 'items[0].sku', operator: 'exists' },
				{ fact: 'a..b', operator: 'exists' },
				{ condition: 'vip' },
				{ fact: 'spent', operator: 'greaterThan', value: { fact: 'limit' } }, // fine
			],
		};
		const errors = validateConditions(tree);
		expect(errors.map((e) => e.path)).toEqual([
			'conditions.any[0].path',
			'conditions.any[1].fact',
			'conditions.any[2].fact',
			'conditions.any[3].fact',
			'conditions.any[4].fact',
			'conditions.any[5].fact',
			'conditions.any[6].fact',
			'conditions.any[7].condition',
			'conditions.any[7].fact',
			'conditions.any[7].operator',
		]);
		expect(errors[0].message).toMatch(/JSONPath\) is not supported/);
		expect(errors[1].message).toBe(
			'"__proto__.polluted" uses the reserved name "__proto__", which is refused for safety',
		);
		expect(errors[4].message).toMatch(/looks like JSONPath/);
	});

	it('checks the shape of groups', () => {
		expect(validateConditions({ fact: 'a', operator: 'exists' })).toEqual([
			{
				path: 'conditions',
				message:
					'the top level must be a group: { "all": [...] }, { "any": [...] } or { "not": {...} }',
			},
		]);
		expect(validateConditions({ all: [], any: [] })[0]).toEqual({
			path: 'conditions',
			message:
				'a group has exactly one of "all", "any" or "not", found "all" and "any": nest one group inside the other',
		});
		expect(validateConditions({ all: { fact: 'a' } })[0].path).toBe('conditions.all');
		expect(validateConditions({ all: [null, 'x'] }).map((e) => e.path)).toEqual([
			'conditions.all[0]',
			'conditions.all[1]',
		]);
		expect(validateConditions([leaf()])[0].path).toBe('conditions');
		expect(validateConditions({ all: [{ all: [], fact: 'x' }] })[0].path).toBe('conditions.all[0]');
		expect(validateConditions({ all: [], priority: 0 })).toEqual([
			{
				path: 'conditions.priority',
				message: 'priority must be a whole number of at least 1, got 0',
			},
		]);
		expect(validateConditions({ all: [] }, { path: 'where' })).toEqual([]);
	});

	it('limits nesting depth', () => {
		const nest = (levels: number): unknown =>
			levels === 1 ? { all: [leaf()] } : { not: nest(levels - 1) };
		expect(validateConditions(nest(31))).toEqual([]); // 31 groups + the leaf = 32 levels
		const errors = validateConditions(nest(32));
		expect(errors).toHaveLength(1);
		expect(errors[0].path).toBe(`conditions${'.not'.repeat(31)}.all[0]`);
		expect(errors[0].message).toBe('conditions are nested more than 32 levels deep');
		expect(validateConditions(nest(3), { maxDepth: 3 })).toHaveLength(1);
	});

	it('checks event conditions', () => {
		const event = (extra: Record<string, unknown>) => ({
			fact: 'eventCount',
			params: { event: 'order_completed', within: '30d' },
			operator: 'greaterThanInclusive',
			value: 1,
			...extra,
		});
		expect(validateConditions({ all: [event({})] })).toEqual([]);
		expect(
			validateConditions({
				all: [
					event({ params: undefined }),
					event({ operator: 'stringContains' }),
					event({ value: -1 }),
					event({ params: { event: '', within: '3 fortnights', since: 'yesterday', wher: {} } }),
					event({
						params: {
							event: 'page_viewed',
							where: {
								all: [{ fact: 'eventCount', params: { event: 'x' }, operator: 'equal', value: 0 }],
							},
						},
					}),
					{ fact: 'plan', operator: 'equal', value: 'pro', params: { a: 1 } },
				],
			}).map((e) => e.path),
		).toEqual([
			'conditions.all[0].params',
			'conditions.all[1].operator',
			'conditions.all[2].value',
			'conditions.all[3].params.wher',
			'conditions.all[3].params.event',
			'conditions.all[3].params.within',
			'conditions.all[3].params.since',
			'conditions.all[4].params.where.all[0].fact',
			'conditions.all[5].params',
		]);
		expect(validateConditions({ all: [event({})] }, { allowEventConditions: false })[0]).toEqual({
			path: 'conditions.all[0].fact',
			message: 'event conditions (eventCount) cannot be used here',
		});
		expect(validateConditions({ all: [event({ operator: 'between', value: [1, 3] })] })).toEqual(
			[],
		);
	});
});

describe('validateRule', () => {
	it('accepts a json-rules-engine rule', () => {
		expect(
			validateRule({
				name: 'r',
				priority: 5,
				conditions: { all: [leaf()] },
				event: { type: 'score', params: { points: 5 } },
			}),
		).toEqual([]);
	});

	it('reports every problem with its path', () => {
		expect(
			validateRule({
				conditions: { all: [{ fact: 'a', operator: 'nope', value: 1 }] },
				event: { params: 3 },
				priorty: 1,
			}),
		).toEqual([
			{ path: 'priorty', message: 'unknown rule property "priorty" (did you mean "priority"?)' },
			{ path: 'conditions.all[0].operator', message: 'unknown operator "nope"' },
			{ path: 'event.type', message: 'the event type is needed (text), got undefined' },
			{ path: 'event.params', message: 'event params must be an object, got 3' },
		]);
		expect(validateRule({ event: { type: 'x' } })).toEqual([
			{ path: 'conditions', message: 'missing "conditions"' },
		]);
		expect(validateRule('rule')[0].path).toBe('rule');
	});
});

describe('parseRulesJson', () => {
	it('parses valid JSON', () => {
		expect(parseRulesJson('{ "all": [] }')).toEqual({ ok: true, value: { all: [] } });
	});

	it('reports malformed JSON with line and column', () => {
		const result = parseRulesJson('{\n  "all": [\n    { "fact": "a", }\n  ]\n}');
		expect(result.ok).toBe(false);
		if (result.ok) return;
		expect(result.error.line).toBe(3);
		expect(result.error.column).toBe(20);
		expect(result.error.message).toMatch(/^malformed JSON at line 3, column 20: /);
	});

	it('reports truncated and empty input', () => {
		const truncated = parseRulesJson('{\n  "all": [');
		expect(truncated.ok === false && truncated.error.line).toBe(2);
		const empty = parseRulesJson('  ');
		expect(empty.ok === false && empty.error.message).toBe('the rules JSON is empty');
	});
});
