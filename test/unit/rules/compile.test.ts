import { describe, expect, it } from 'vitest';
import {
	checkFactTypes,
	collectEventQueries,
	compileConditions,
	countMatchingEvents,
	createEngine,
	eventQueryKey,
	InvalidTimeZoneError,
	isAttributeOnly,
	RulesValidationError,
	type ConditionGroup,
} from '../../../rules';
import { DAY, decide, NOW, utc } from './helpers';

const ordered = (min: number, within = '30d') => ({
	fact: 'eventCount',
	params: { event: 'order_completed', within },
	operator: 'greaterThanInclusive',
	value: min,
});
const proPlan = { fact: 'plan', operator: 'equal', value: 'pro' };
const events = [
	{
		name: 'order_completed',
		occurredAt: new Date(NOW - 2 * DAY).toISOString(),
		properties: { total: 120, items: ['shoe'] },
	},
	{ name: 'order_completed', occurredAt: NOW - 10 * DAY, properties: { total: 15 } },
	{ name: 'order_completed', occurredAt: NOW - 40 * DAY, properties: { total: 300 } },
	{ name: 'page_viewed', occurredAt: NOW - 60_000, properties: { path: '/pricing' } },
	{ name: 'order_completed', occurredAt: 'not a date', properties: {} },
];

describe('compileConditions', () => {
	it('returns a plain function for attribute trees', () => {
		const compiled = compileConditions({
			all: [proPlan, { fact: 'age', operator: 'between', value: [18, 65] }],
		});
		expect(compiled.attributeOnly).toBe(true);
		expect(compiled({ plan: 'pro', age: 30 }, utc)).toBe(true);
		expect(compiled({ plan: 'pro', age: 70 }, utc)).toBe(false);
		expect(compiled({ plan: 'pro', age: 30 })).toBe(true); // default context: now, UTC
	});

	it('an empty group passes, as in json-rules-engine', async () => {
		for (const tree of [{ all: [] }, { any: [] }, { not: { any: [] } }] as ConditionGroup[]) {
			const engine = createEngine(utc, [{ conditions: tree, event: { type: 'm' } }]);
			expect(compileConditions(tree)({}, utc)).toBe((await engine.run({})).events.length > 0);
		}
		expect(compileConditions({ any: [] })({})).toBe(true);
	});

	it('throws a validation error listing every problem', () => {
		try {
			compileConditions({
				all: [
					{ fact: 'a', operator: 'cotains', value: 'x' },
					{ fact: 'b', operator: 'between', value: [2, 1] },
				],
			});
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(RulesValidationError);
			expect((error as RulesValidationError).errors).toHaveLength(2);
			expect((error as Error).message).toMatch(
				/^conditions\.all\[0\]\.operator: unknown operator "cotains".*; conditions\.all\[1\]\.value: /,
			);
		}
	});

	it('refuses an invalid time zone, naming it', () => {
		const compiled = compileConditions({ all: [proPlan] });
		expect(() => compiled({ plan: 'pro' }, { now: NOW, timezone: 'Mars/Olympus' })).toThrow(
			InvalidTimeZoneError,
		);
		expect(() => compiled({ plan: 'pro' }, { now: NOW, timezone: 'Mars/Olympus' })).toThrow(
			/"Mars\/Olympus"/,
		);
		expect(() => compiled({ plan: 'pro' }, { now: NOW, timezone: 'local' })).toThrow(
			InvalidTimeZoneError,
		);
	});
});

describe('three-valued evaluation with event conditions', () => {
	it('decides without the event count when an attribute condition decides', () => {
		expect(isAttributeOnly({ all: [proPlan, ordered(1)] })).toBe(false);
		expect(isAttributeOnly({ all: [proPlan] })).toBe(true);
		const all = compileConditions({ all: [ordered(1), proPlan] });
		expect(all.attributeOnly).toBe(false);
		expect(all.evaluate({ plan: 'free' }, utc)).toBe(false);
		expect(all.evaluate({ plan: 'pro' }, utc)).toBeUndefined();
		const any = compileConditions({ any: [ordered(1), proPlan] });
		expect(any.evaluate({ plan: 'pro' }, utc)).toBe(true);
		expect(any.evaluate({ plan: 'free' }, utc)).toBeUndefined();
		const not = compileConditions({ not: { all: [ordered(1)] } });
		expect(not.evaluate({}, utc)).toBeUndefined();
		expect(not.evaluate({}, utc, { events: [] })).toBe(true);
	});

	it("uses supplied counts, supplied events or the contact's __events", () => {
		const tree = { all: [proPlan, ordered(2)] };
		const compiled = compileConditions(tree);
		const [query] = compiled.eventQueries;
		expect(query.key).toBe(eventQueryKey({ within: '30d', event: 'order_completed' }));
		expect(compiled.evaluate({ plan: 'pro' }, utc, { eventCounts: { [query.key]: 2 } })).toBe(true);
		expect(
			compiled.evaluate({ plan: 'pro' }, utc, { eventCounts: new Map([[query.key, 1]]) }),
		).toBe(false);
		expect(compiled.evaluate({ plan: 'pro' }, utc, { eventCounts: { other: 5 } })).toBeUndefined();
		expect(compiled.evaluate({ plan: 'pro' }, utc, { events })).toBe(true);
		expect(compiled.evaluate({ plan: 'pro', __events: events.slice(1) }, utc)).toBe(false);
		expect(() => compiled({ plan: 'pro' }, utc)).toThrow(
			/need event counts that were not supplied \(order_completed\)/,
		);
	});

	it('agrees with engine.run when the events are on the contact', async () => {
		const tree = { all: [proPlan, { not: ordered(3, '90d') }, ordered(1, '7d')] };
		const contact = { plan: 'pro', __events: events };
		const engine = createEngine(utc, [{ conditions: tree, event: { type: 'm' } }]);
		expect(compileConditions(tree).evaluate(contact, utc)).toBe(false); // 3 orders in 90 days
		expect((await engine.run(contact)).events).toHaveLength(0);
		const fewer = { plan: 'pro', __events: events.slice(0, 2) };
		expect(compileConditions(tree).evaluate(fewer, utc)).toBe(true);
		expect((await engine.run(fewer)).events).toHaveLength(1);
	});

	it('collects each event query once', () => {
		const tree = {
			any: [
				ordered(1),
				{
					all: [
						ordered(3),
						{
							fact: 'eventCount',
							params: { within: '30d', event: 'order_completed' },
							operator: 'equal',
							value: 0,
						},
					],
				},
				ordered(1, '7d'),
			],
		};
		expect(collectEventQueries(tree).map((q) => q.params)).toEqual([
			{ event: 'order_completed', within: '30d' },
			{ event: 'order_completed', within: '7d' },
		]);
		expect(compileConditions(tree).eventQueries).toHaveLength(2);
	});
});

describe('countMatchingEvents', () => {
	it('counts by name, window and property filter', () => {
		expect(countMatchingEvents(events, { event: 'order_completed' }, utc)).toBe(3); // "not a date" is not counted
		expect(countMatchingEvents(events, { event: 'order_completed', within: '30d' }, utc)).toBe(2);
		expect(
			countMatchingEvents(
				events,
				{ event: 'order_completed', within: { amount: 3, unit: 'days' } },
				utc,
			),
		).toBe(1);
		expect(
			countMatchingEvents(events, { event: 'order_completed', since: '2024-04-20' }, utc),
		).toBe(2);
		expect(
			countMatchingEvents(
				events,
				{ event: 'order_completed', within: '60d', since: '2024-04-30' },
				utc,
			),
		).toBe(1);
		const bigOrders = { all: [{ fact: 'total', operator: 'greaterThanInclusive', value: 100 }] };
		expect(countMatchingEvents(events, { event: 'order_completed', where: bigOrders }, utc)).toBe(
			2,
		);
		expect(
			countMatchingEvents(
				events,
				{
					event: 'order_completed',
					where: { all: [{ fact: 'items', operator: 'containsAny', value: ['shoe'] }] },
				},
				utc,
			),
		).toBe(1);
		expect(countMatchingEvents(events, { event: 'page_viewed', within: '1h' }, utc)).toBe(1);
		expect(countMatchingEvents([], { event: 'page_viewed' }, utc)).toBe(0);
	});

	it('counts "since a date" in the contact zone', () => {
		const at = [{ name: 'signup', occurredAt: '2024-05-03T16:00:00Z' }]; // May 4 01:00 in Seoul
		expect(
			countMatchingEvents(
				at,
				{ event: 'signup', since: '2024-05-04' },
				{ now: NOW + DAY, timezone: 'Asia/Seoul' },
			),
		).toBe(1);
		expect(
			countMatchingEvents(
				at,
				{ event: 'signup', since: '2024-05-04' },
				{ now: NOW + DAY, timezone: 'UTC' },
			),
		).toBe(0);
	});

	it('refuses invalid params', () => {
		expect(() => countMatchingEvents(events, { event: '', within: 'soon' }, utc)).toThrow(
			RulesValidationError,
		);
	});
});

describe('explain', () => {
	it('lists the leaves that made the tree fail, with their paths and values', () => {
		const tree = {
			all: [
				{ fact: 'email', operator: 'endsWith', value: '@example.com' },
				{
					any: [
						{ fact: 'age', operator: 'greaterThan', value: 30 },
						{ fact: 'tags', operator: 'containsAny', value: ['vip'] },
					],
				},
				{ not: { fact: 'country', operator: 'equal', value: 'KR' } },
			],
		};
		const compiled = compileConditions(tree);
		expect(compiled.explain({ email: 'a@example.com', age: 40, country: 'JP' }, utc)).toEqual({
			matched: true,
			failed: [],
		});
		expect(
			compiled.explain({ email: 'a@other.com', age: 20, tags: [], country: 'KR' }, utc),
		).toEqual({
			matched: false,
			failed: [
				{
					path: 'conditions.all[0]',
					fact: 'email',
					operator: 'endsWith',
					value: '@example.com',
					factValue: 'a@other.com',
				},
				{
					path: 'conditions.all[1].any[0]',
					fact: 'age',
					operator: 'greaterThan',
					value: 30,
					factValue: 20,
				},
				{
					path: 'conditions.all[1].any[1]',
					fact: 'tags',
					operator: 'containsAny',
					value: ['vip'],
					factValue: [],
				},
				{
					path: 'conditions.all[2].not',
					fact: 'country',
					operator: 'equal',
					value: 'KR',
					factValue: 'KR',
				},
			],
		});
	});

	it('reports the event count of a failed event condition', () => {
		const explained = compileConditions({ all: [ordered(5)] }).explain({}, utc, { events });
		expect(explained.matched).toBe(false);
		expect(explained.failed).toEqual([
			{
				path: 'conditions.all[0]',
				fact: 'eventCount',
				operator: 'greaterThanInclusive',
				value: 5,
				params: { event: 'order_completed', within: '30d' },
				factValue: 2,
			},
		]);
		expect(compileConditions({ all: [ordered(5)] }).explain({}, utc)).toEqual({
			matched: undefined,
			failed: [],
		});
	});
});

describe('checkFactTypes', () => {
	const tree = {
		all: [
			{ fact: 'lastSeenAt', operator: 'withinLast', value: '30d' },
			{
				any: [
					{ fact: 'birthday', operator: 'anniversaryWithin', value: 7 },
					{ fact: 'plan', operator: 'equal', value: 'x' },
				],
			},
		],
	};

	it('reports date conditions whose field is not a date', () => {
		expect(checkFactTypes(tree, { lastSeenAt: 'abc', birthday: 1990 }, 'item 3')).toEqual([
			{
				path: 'conditions.all[0]',
				fact: 'lastSeenAt',
				factValue: 'abc',
				message: 'fact `lastSeenAt` of item 3 is not a date: "abc"',
			},
		]);
		expect(compileConditions(tree).checkFactTypes({ lastSeenAt: true, birthday: '05/04' })).toEqual(
			[
				expect.objectContaining({ message: 'fact `lastSeenAt` is not a date: true' }),
				expect.objectContaining({ message: 'fact `birthday` is not a date: "05/04"' }),
			],
		);
	});

	it('does not report missing, null or empty fields, or real dates', () => {
		const compiled = compileConditions(tree);
		expect(compiled.checkFactTypes({})).toEqual([]);
		expect(compiled.checkFactTypes({ lastSeenAt: null, birthday: '' })).toEqual([]);
		expect(compiled.checkFactTypes({ lastSeenAt: NOW, birthday: new Date(NOW) })).toEqual([]);
		expect(
			compiled.checkFactTypes({ lastSeenAt: '2024-05-01T10:00:00+09:00', birthday: '1990-05-04' }),
		).toEqual([]);
	});
});

describe('values that name another field', () => {
	it("compare an event's properties with each other, compiled and in the engine alike", async () => {
		const orders = [
			{ name: 'order_completed', occurredAt: NOW - DAY, properties: { total: 120, budget: { max: 100 } } },
			{ name: 'order_completed', occurredAt: NOW - DAY, properties: { total: 80, budget: { max: 100 } } },
			{ name: 'order_completed', occurredAt: NOW - DAY, properties: { total: 150 } },
		];
		const tree = {
			all: [
				{
					fact: 'eventCount',
					params: {
						event: 'order_completed',
						where: { all: [{ fact: 'total', operator: 'greaterThan', value: { fact: 'budget.max' } }] },
					},
					operator: 'equal',
					value: 1,
				},
			],
		};
		expect(await decide(tree as never, { __events: orders })).toBe(true);
		expect(await decide(tree as never, { __events: orders.slice(1) })).toBe(false);
	});

	it('explain shows the value as written, the reference', () => {
		const compiled = compileConditions({
			all: [{ fact: 'cart.total', operator: 'greaterThan', value: { fact: 'stats.avg' } }],
		});
		expect(compiled.explain({ cart: { total: 50 }, stats: { avg: 80 } }, utc)).toEqual({
			matched: false,
			failed: [
				{
					path: 'conditions.all[0]',
					fact: 'cart.total',
					operator: 'greaterThan',
					value: { fact: 'stats.avg' },
					factValue: 50,
				},
			],
		});
	});
});
