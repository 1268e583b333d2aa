import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMemoryStore } from '../../../lib';
import { SegmentFilterV1 } from '../../../nodes/SegmentFilter/SegmentFilterV1';
import { executeContext, type ExecuteContextOptions } from '../helpers/executeContext';

// workflows saved with version 1 keep its parameters and behaviour
const node = new SegmentFilterV1({ displayName: 'Segment Filter', name: 'segmentFilter', group: ['transform'], description: '' });
const run = (options: ExecuteContextOptions) => node.execute.call(executeContext(options));

const contacts = [
	{ contactId: 'c1', plan: 'pro', country: 'KR', spend: 1200, timezone: 'Asia/Seoul' },
	{ contactId: 'c2', plan: 'free', country: 'KR', spend: 10, timezone: 'Asia/Seoul' },
	{ contactId: 'c3', plan: 'pro', country: 'US', spend: 50, timezone: 'America/Los_Angeles' },
	{ contactId: 'c4', plan: 'team', country: 'DE', spend: 5000, timezone: 'Europe/Berlin' },
];

const base = {
	timezone: (_: number, item: { json: Record<string, unknown> }) => item.json.timezone,
	contactId: (_: number, item: { json: Record<string, unknown> }) => item.json.contactId,
	store: 'memory',
	options: {},
};

const ids = (items: Array<{ json: Record<string, unknown> }>) => items.map((i) => i.json.contactId);

afterEach(() => vi.restoreAllMocks());

describe('Segment Filter: builder mode', () => {
	it('routes on all conditions of one group', async () => {
		const [matched, notMatched] = await run({
			items: contacts,
			parameters: {
				...base,
				mode: 'builder',
				combineConditions: 'all',
				combineGroups: 'any',
				conditions: {
					condition: [
						{ field: 'plan', operator: 'equal', value: 'pro', group: 1 },
						{ field: 'country', operator: 'isIn', value: 'KR, JP', group: 1 },
					],
				},
			},
		});
		expect(ids(matched)).toEqual(['c1']);
		expect(ids(notMatched)).toEqual(['c2', 'c3', 'c4']);
		expect(matched[0].json.segment).toEqual({ matched: true });
		expect(matched[0].pairedItem).toEqual({ item: 0 });
		expect(notMatched.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 2 }, { item: 3 }]);
	});

	it('combines groups: (pro and KR) or (spend between 1000 and 10000)', async () => {
		const [matched] = await run({
			items: contacts,
			parameters: {
				...base,
				mode: 'builder',
				combineConditions: 'all',
				combineGroups: 'any',
				conditions: {
					condition: [
						{ field: 'plan', operator: 'equal', value: 'pro', group: 1 },
						{ field: 'country', operator: 'equal', value: 'KR', group: 1 },
						{ field: 'spend', operator: 'between', value: '1000, 10000', group: 2 },
					],
				},
			},
		});
		expect(ids(matched)).toEqual(['c1', 'c4']);
	});

	it('names the row when a value is not a number', async () => {
		await expect(
			run({
				items: contacts.slice(0, 1),
				parameters: {
					...base,
					mode: 'builder',
					combineConditions: 'all',
					combineGroups: 'any',
					conditions: { condition: [{ field: 'spend', operator: 'greaterThan', value: 'lots', group: 1 }] },
				},
			}),
		).rejects.toThrow(/Parameter "Conditions", item 1: conditions\[0\]\.value must be a number, got "lots"/);
	});
});

describe('Segment Filter: rules mode', () => {
	const rules = (rulesJson: unknown, extra: Partial<ExecuteContextOptions> = {}) =>
		run({ items: contacts, parameters: { ...base, mode: 'rules', rulesJson }, ...extra });

	it('decides with a nested all / any / not tree', async () => {
		const [matched, notMatched] = await rules(
			JSON.stringify({
				any: [
					{ all: [{ fact: 'plan', operator: 'equal', value: 'pro' }, { not: { fact: 'country', operator: 'equal', value: 'US' } }] },
					{ fact: 'spend', operator: 'greaterThanInclusive', value: 5000 },
				],
			}),
		);
		expect(ids(matched)).toEqual(['c1', 'c4']);
		expect(ids(notMatched)).toEqual(['c2', 'c3']);
	});

	it('adds the failed conditions when asked', async () => {
		const [, notMatched] = await run({
			items: contacts.slice(1, 2),
			parameters: {
				...base,
				mode: 'rules',
				rulesJson: '{"all":[{"fact":"plan","operator":"equal","value":"pro"},{"fact":"country","operator":"equal","value":"KR"}]}',
				options: { includeFailedConditions: true },
			},
		});
		const segment = notMatched[0].json.segment as { matched: boolean; failed: Array<Record<string, unknown>> };
		expect(segment.matched).toBe(false);
		expect(segment.failed).toHaveLength(1);
		expect(segment.failed[0]).toMatchObject({ fact: 'plan', operator: 'equal', value: 'pro', factValue: 'free' });
	});

	it('reports malformed JSON with the parameter, the item and where', async () => {
		await expect(rules('{"all": [ {"fact": "plan", }')).rejects.toThrow(/Parameter "Rules \(JSON\)", item 1: .*(line|position)/i);
	});

	it('reports an unknown operator with its rule path and a suggestion', async () => {
		await expect(rules('{"all":[{"fact":"plan","operator":"cotains","value":"pro"}]}')).rejects.toThrow(
			/Parameter "Rules \(JSON\)", item 1: .*all\[0\]\.operator: unknown operator "cotains"/,
		);
	});

	it('reports a non-date value under a date operator, naming the field and the item', async () => {
		await expect(
			run({
				items: [{ contactId: 'x', lastSeenAt: 'soon' }],
				parameters: { ...base, mode: 'rules', rulesJson: '{"all":[{"fact":"lastSeenAt","operator":"withinLast","value":"7d"}]}' },
			}),
		).rejects.toThrow(/Item 1: field "lastSeenAt" is used with a date operator .* but holds "soon"/);
	});

	it('reports an invalid time zone of the contact', async () => {
		await expect(
			run({
				items: [{ contactId: 'x', lastSeenAt: '2026-01-01', timezone: 'Mars/Olympus' }],
				parameters: { ...base, mode: 'rules', rulesJson: '{"all":[{"fact":"lastSeenAt","operator":"withinLast","value":"7d"}]}' },
			}),
		).rejects.toThrow(/Item 1: Contact Time Zone "Mars\/Olympus" is not a valid time zone/);
	});

	it('with Continue On Fail, a bad item goes to Not Matched with an error and the others are decided', async () => {
		const [matched, notMatched] = await run({
			items: [
				{ contactId: 'a', lastSeenAt: new Date().toISOString() },
				{ contactId: 'b', lastSeenAt: 'soon' },
			],
			continueOnFail: true,
			parameters: { ...base, mode: 'rules', rulesJson: '{"all":[{"fact":"lastSeenAt","operator":"withinLast","value":"7d"}]}' },
		});
		expect(ids(matched)).toEqual(['a']);
		expect(ids(notMatched)).toEqual(['b']);
		expect(String(notMatched[0].json.error)).toMatch(/lastSeenAt/);
		expect(notMatched[0].pairedItem).toEqual({ item: 1 });
	});
});

describe('Segment Filter: saved segment mode', () => {
	it('refuses an unknown segment and lists the known ones', async () => {
		await expect(
			run({ items: contacts.slice(0, 1), parameters: { ...base, mode: 'segment', segment: 'vip-top-spender' } }),
		).rejects.toThrow(/Parameter "Segment", item 1: .*vip-top-spenders/);
	});

	it('decides with a library segment and names it on the item', async () => {
		const now = Date.now();
		const [matched, notMatched] = await run({
			items: [
				{ contactId: 'n1', signedUpAt: new Date(now - 2 * 86_400_000).toISOString() },
				{ contactId: 'n2', signedUpAt: new Date(now - 40 * 86_400_000).toISOString() },
			],
			parameters: { ...base, mode: 'segment', segment: 'new-signups-7-days' },
		});
		expect(ids(matched)).toEqual(['n1']);
		expect(ids(notMatched)).toEqual(['n2']);
		expect(matched[0].json.segment).toEqual({ matched: true, name: 'new-signups-7-days' });
	});
});

describe('Segment Filter: event conditions', () => {
	const purchasedTwice = JSON.stringify({
		all: [
			{ fact: 'plan', operator: 'equal', value: 'pro' },
			{ fact: 'eventCount', params: { event: 'purchase', within: '30d' }, operator: 'greaterThanInclusive', value: 2 },
		],
	});

	it('reads event histories in one batch, only for contacts the attribute conditions let through', async () => {
		const store = getMemoryStore();
		const now = Date.now();
		const prefix = `sf-${now}-`;
		await store.events.record(
			[
				{ id: `${prefix}1`, contactId: `${prefix}c1`, name: 'purchase', properties: {}, occurredAt: now - 1000 },
				{ id: `${prefix}2`, contactId: `${prefix}c1`, name: 'purchase', properties: {}, occurredAt: now - 2000 },
				{ id: `${prefix}3`, contactId: `${prefix}c3`, name: 'purchase', properties: {}, occurredAt: now - 40 * 86_400_000 },
				{ id: `${prefix}4`, contactId: `${prefix}c3`, name: 'purchase', properties: {}, occurredAt: now - 3000 },
			],
			{ historyLimit: 100, ttlSeconds: 3600 },
		);
		const list = vi.spyOn(store.events, 'list');
		const items = contacts.map((c) => ({ ...c, contactId: `${prefix}${c.contactId}` }));
		const [matched, notMatched] = await run({ items, parameters: { ...base, mode: 'rules', rulesJson: purchasedTwice } });
		expect(ids(matched)).toEqual([`${prefix}c1`]);
		expect(ids(notMatched)).toEqual([`${prefix}c2`, `${prefix}c3`, `${prefix}c4`]);
		expect(list).toHaveBeenCalledTimes(1);
		expect(list.mock.calls[0][0].map((q) => q.contactId)).toEqual([`${prefix}c1`, `${prefix}c3`]);
	});

	it('makes no store call when attribute conditions decide every contact', async () => {
		const list = vi.spyOn(getMemoryStore().events, 'list');
		const [matched] = await run({
			items: contacts.filter((c) => c.plan !== 'pro'),
			parameters: { ...base, mode: 'rules', rulesJson: purchasedTwice },
		});
		expect(matched).toEqual([]);
		expect(list).not.toHaveBeenCalled();
	});

	it('refuses an item with no contact id when its events are needed', async () => {
		await expect(
			run({ items: [{ plan: 'pro' }], parameters: { ...base, mode: 'rules', rulesJson: purchasedTwice } }),
		).rejects.toThrow(/Item 1: Contact ID is empty, but the segment has event conditions/);
	});
});
