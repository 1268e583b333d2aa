import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMemoryStore } from '../../../lib';
import { SegmentFilter } from '../../../nodes/SegmentFilter/SegmentFilter.node';
import { condition, group, runV2 } from './v2Context';

const contacts = [
	{ contactId: 'v2-c1', plan: 'pro', country: 'KR', spend: 1200, tags: ['vip'], lastSeenAt: new Date(Date.now() - 2 * 86_400_000).toISOString() },
	{ contactId: 'v2-c2', plan: 'free', country: 'KR', spend: 10, tags: [], lastSeenAt: new Date(Date.now() - 200 * 86_400_000).toISOString() },
	{ contactId: 'v2-c3', plan: 'pro', country: 'US', spend: 50, tags: ['beta'], lastSeenAt: new Date(Date.now() - 40 * 86_400_000).toISOString() },
	{ contactId: 'v2-c4', plan: 'team', country: 'DE', spend: 5000, tags: ['vip', 'beta'] },
];
afterEach(() => vi.restoreAllMocks());
const ids = (items: Array<{ json: Record<string, unknown> }>) => items.map((i) => i.json.contactId);

describe('Segment Filter version 2: the versioned node', () => {
	it('offers versions 1 and 2, and new nodes get version 2', () => {
		const node = new SegmentFilter();
		expect(Object.keys(node.nodeVersions).map(Number)).toEqual([1, 2]);
		expect(node.getNodeType().description.version).toBe(2);
		expect(node.getNodeType(1).description.properties.some((p) => p.name === 'conditions' && p.type === 'fixedCollection')).toBe(true);
		expect(node.getNodeType(2).description.properties.find((p) => p.name === 'conditionGroups')?.type).toBe('fixedCollection');
	});
});

describe('Segment Filter version 2: condition groups', () => {
	it('(plan is pro AND country is KR) OR (spend >= 1000): two groups combined with OR', async () => {
		const [matched, notMatched] = await runV2({
			items: contacts,
			parameters: {
				'conditionGroups.group': [
					group([condition('={{ $json.plan }}', 'string', 'equals', 'pro'), condition('={{ $json.country }}', 'string', 'equals', 'KR')]),
					group([condition('={{ $json.spend }}', 'number', 'gte', 1000)]),
				],
			},
		});
		expect(ids(matched)).toEqual(['v2-c1', 'v2-c4']);
		expect(ids(notMatched)).toEqual(['v2-c2', 'v2-c3']);
		expect(matched[0].pairedItem).toEqual({ item: 0 });
		expect(notMatched[1].pairedItem).toEqual({ item: 2 });
	});

	it('all groups must match when asked; OR inside a group', async () => {
		const [matched] = await runV2({
			items: contacts,
			parameters: {
				combineGroups: 'all',
				'conditionGroups.group': [
					group([condition('={{ $json.country }}', 'string', 'equals', 'US'), condition('={{ $json.tags }}', 'array', 'contains', 'vip', { rightType: 'any' })], 'or'),
					group([condition('={{ $json.plan }}', 'string', 'notEquals', 'free')]),
				],
			},
		});
		expect(ids(matched)).toEqual(['v2-c1', 'v2-c3', 'v2-c4']);
	});

	it('reads fields dragged from the input panel without n8n evaluating them; other item expressions are evaluated per item and named in a hint', async () => {
		const evaluations: number[] = [];
		const hints: unknown[] = [];
		const [matched] = await runV2({
			items: contacts,
			evaluations,
			hints,
			parameters: {
				'conditionGroups.group': [group([condition('={{ $json.plan }}', 'string', 'equals', 'pro'), condition('={{ $json.spend * 2 }}', 'number', 'gt', 1000)])],
			},
		});
		expect(ids(matched)).toEqual(['v2-c1']);
		// only the computed value went through the expression evaluator, once per item
		expect(evaluations).toEqual([0, 1, 2, 3]);
		expect(JSON.stringify(hints)).toContain('$json.spend * 2');
		expect(JSON.stringify(hints)).toContain('Condition group 1, condition 2');
	});

	it('evaluates a value that does not use the item once', async () => {
		const evaluations: number[] = [];
		const [matched] = await runV2({
			items: contacts,
			evaluations,
			parameters: { 'conditionGroups.group': [group([condition('={{ $json.spend }}', 'number', 'gt', '={{ 500 + 500 }}')])] },
		});
		expect(ids(matched)).toEqual(['v2-c1', 'v2-c4']);
		expect(evaluations).toEqual([0]);
	});

	it('compares with a value that differs per item', async () => {
		const [matched] = await runV2({
			items: [
				{ contactId: 'a', spend: 10, budget: 5 },
				{ contactId: 'b', spend: 10, budget: 50 },
			],
			parameters: { 'conditionGroups.group': [group([condition('={{ $json.spend }}', 'number', 'gt', '={{ $json.budget }}')])] },
		});
		expect(ids(matched)).toEqual(['a']);
	});

	it('a type n8n refuses fails the item, counted from 1, naming the condition; only if n8n would reach it', async () => {
		const items = [
			{ contactId: 'x1', plan: 'free', spend: 'lots' },
			{ contactId: 'x2', plan: 'pro', spend: 'lots' },
		];
		const groups = [group([condition('={{ $json.plan }}', 'string', 'equals', 'pro'), condition('={{ $json.spend }}', 'number', 'gt', 100)])];
		// item 1 fails "plan" first, so its spend is never compared (as in n8n)
		await expect(runV2({ items: items.slice(0, 1), parameters: { 'conditionGroups.group': groups } })).resolves.toHaveLength(2);
		await expect(runV2({ items, parameters: { 'conditionGroups.group': groups } })).rejects.toThrow(
			'Condition group 1, condition 2, item 2: the first value "lots" is text, but the comparison expects a number',
		);
		const [matched, notMatched] = await runV2({
			items,
			parameters: { 'conditionGroups.group': groups, options: { looseTypeValidation: true } },
			continueOnFail: true,
		});
		expect(matched).toEqual([]);
		expect(notMatched.map((i) => i.json.error)).toEqual([undefined, expect.stringContaining('cannot be read as a number')]);
	});

	it('ignores the untouched condition a new group starts with, and asks for a condition when there is none', async () => {
		await expect(
			runV2({ items: contacts, parameters: { 'conditionGroups.group': [group([condition('', 'string', 'equals', '')])] } }),
		).rejects.toThrow('Parameter "Condition Groups", item 1: add at least one condition');
	});

	it('adds the failed conditions in the marketer\'s words', async () => {
		const [, notMatched] = await runV2({
			items: contacts.slice(1, 2),
			parameters: {
				options: { includeFailedConditions: true },
				'conditionGroups.group': [
					group([condition('={{ $json.plan }}', 'string', 'equals', 'pro'), condition('={{ $json.spend }}', 'number', 'gte', 100)], 'or'),
				],
			},
		});
		expect(notMatched[0].json.segment).toEqual({
			matched: false,
			failed: ['plan is not equal to pro', 'spend is less than 100'],
		});
	});
});

describe('Segment Filter version 2: behaviour and date conditions', () => {
	it('combines a date row with the condition groups (AND)', async () => {
		const [matched] = await runV2({
			items: contacts,
			parameters: {
				timezone: 'UTC',
				'conditionGroups.group': [group([condition('={{ $json.country }}', 'string', 'equals', 'KR')])],
				'behaviourConditions.condition': [{ operator: 'withinLast', field: '{{ $json.lastSeenAt }}', period: '30d' }],
			},
		});
		expect(ids(matched)).toEqual(['v2-c1']);
	});

	it('"did event purchase at least 2 times in 30 days" reads the store once, for the contacts the groups let through', async () => {
		const store = getMemoryStore();
		const now = Date.now();
		await store.events.record([
			{ id: 'v2-p1', contactId: 'v2-c1', name: 'purchase', properties: {}, occurredAt: now - 86_400_000 },
			{ id: 'v2-p2', contactId: 'v2-c1', name: 'purchase', properties: {}, occurredAt: now - 2 * 86_400_000 },
			{ id: 'v2-p3', contactId: 'v2-c3', name: 'purchase', properties: {}, occurredAt: now - 86_400_000 },
			{ id: 'v2-p4', contactId: 'v2-c4', name: 'purchase', properties: {}, occurredAt: now - 40 * 86_400_000 },
			{ id: 'v2-p5', contactId: 'v2-c4', name: 'purchase', properties: {}, occurredAt: now - 41 * 86_400_000 },
		], { historyLimit: 100, ttlSeconds: 3600 });
		const list = vi.spyOn(store.events, 'list');
		const [matched, notMatched] = await runV2({
			items: contacts,
			parameters: {
				options: { includeFailedConditions: true },
				'conditionGroups.group': [group([condition('={{ $json.plan }}', 'string', 'notEquals', 'free')])],
				'behaviourConditions.condition': [{ operator: 'didEventAtLeast', event: 'purchase', times: 2, window: '30d' }],
			},
		});
		expect(ids(matched)).toEqual(['v2-c1']);
		expect(ids(notMatched)).toEqual(['v2-c2', 'v2-c3', 'v2-c4']);
		expect(list).toHaveBeenCalledTimes(1);
		expect(list.mock.calls[0][0].map((q) => q.contactId)).toEqual(['v2-c1', 'v2-c3', 'v2-c4']);
		expect(notMatched[1].json.segment).toEqual({ matched: false, failed: ['did event purchase fewer than 2 times in the last 30d'] });
	});

	it('names the row and the field when a row is incomplete', async () => {
		await expect(
			runV2({ items: contacts, parameters: { 'behaviourConditions.condition': [{ operator: 'didEventAtLeast', event: '', times: 1, window: '30d' }] } }),
		).rejects.toThrow('Parameter "Behaviour and Date Conditions", item 1: condition 1: "Event Name" is empty');
		await expect(
			runV2({ items: contacts, parameters: { 'behaviourConditions.condition': [{ operator: 'withinLast', field: 'lastSeenAt', period: 'soon' }] } }),
		).rejects.toThrow('"Period" is "soon"');
	});
});

describe('Segment Filter version 2: saved segments and rules', () => {
	it('takes the segment\'s numbers as parameters (the days of inactive-90-days)', async () => {
		const items = [
			{ contactId: 's1', lastSeenAt: new Date(Date.now() - 100 * 86_400_000).toISOString() },
			{ contactId: 's2', lastSeenAt: new Date(Date.now() - 50 * 86_400_000).toISOString() },
		];
		const [byDefault] = await runV2({ items, parameters: { mode: 'segment', segment: 'inactive-90-days', timezone: 'UTC' } });
		expect(ids(byDefault)).toEqual(['s1']);
		const [with30] = await runV2({
			items,
			parameters: { mode: 'segment', segment: 'inactive-90-days', timezone: 'UTC', segment_inactive90Days_0: 30 },
		});
		expect(ids(with30)).toEqual(['s1', 's2']);
		expect(with30[0].json.segment).toEqual({ matched: true, name: 'inactive-90-days' });
	});

	it('shows every segment\'s whole description and numbers once chosen, and lists the operators for the rules JSON', () => {
		const properties = new SegmentFilter().getNodeType(2).description.properties;
		const notice = properties.find((p) => p.name === 'segment_inactive90Days_notice');
		expect(notice?.type).toBe('notice');
		expect(notice?.displayName).toContain('Contacts last seen more than 90 days ago');
		expect(notice?.displayOptions?.show).toEqual({ mode: ['segment'], segment: ['inactive-90-days'] });
		const days = properties.find((p) => p.name === 'segment_inactive90Days_0');
		expect(days).toMatchObject({ type: 'number', default: 90, displayName: 'Last Seen At: More Than … Ago (Days)' });
		const operators = properties.find((p) => p.name === 'rulesOperatorsNotice');
		expect(operators?.displayName).toContain('withinLast (is within the last)');
		expect(operators?.displayOptions?.show).toEqual({ mode: ['rules'] });
	});

	it('rules mode speaks in the marketer\'s words too', async () => {
		const [, notMatched] = await runV2({
			items: [{ contactId: 'r1', plan: 'free' }],
			parameters: {
				mode: 'rules',
				rulesJson: '{"all":[{"fact":"plan","operator":"isIn","value":["vip","gold"]}]}',
				options: { includeFailedConditions: true },
			},
		});
		expect(notMatched[0].json.segment).toEqual({ matched: false, failed: ['plan is not one of vip, gold (it is free)'] });
	});
});
