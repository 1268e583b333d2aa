/**
 * The Lead Score node's execute() against a stand-in IExecuteFunctions and the process memory
 * store: models from the builder, JSON and the library; routing; the item's leadScore; retries;
 * event-count rules; errors per item; Get Score and Reset Group; erase.
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { getMemoryStore } from '../../../lib';
import { LeadScore } from '../../../nodes/LeadScore/LeadScore.node';
import { executeContext, type ParameterValue } from '../helpers/executeContext';

const node = new LeadScore();
const fromItem = (field: string) => (_: number, item: INodeExecutionData) => item.json[field];

async function run(items: Array<Record<string, unknown>>, parameters: Record<string, ParameterValue>, extra: { continueOnFail?: boolean; executionId?: string; rawParameters?: Record<string, unknown> } = {}) {
	const ctx = executeContext({
		items,
		parameters: { store: 'memory', contactId: fromItem('contactId'), eventField: 'event', timezone: '', options: {}, ...parameters },
		rawParameters: { contactId: '={{ $json.contactId }}', timezone: '', ...extra.rawParameters },
		continueOnFail: extra.continueOnFail,
		executionId: extra.executionId ?? randomUUID(),
	});
	return await node.execute.call(ctx);
}

const builder = {
	modelSource: 'builder',
	'rules.rule': [
		{ name: 'pro-plan', field: 'plan', operator: 'equal', value: 'pro', points: 20, group: 'fit', repeat: 'once' },
		{ name: 'pricing', field: 'event.properties.path', operator: 'startsWith', value: '/pricing', points: 15, group: 'engagement', repeat: 'every' },
		{ name: 'unsubscribed', field: 'event.name', operator: 'equal', value: 'unsubscribed', points: -30, group: 'engagement', repeat: 'every' },
		{ name: 'webinar', field: 'event.name', operator: 'equal', value: 'webinar_attended', points: 5, group: 'named', groupName: 'events', repeat: 'atMost', times: 2 },
	],
	'groups.group': [{ group: 'engagement', cap: 40, decay: 'halfLife', days: 30 }],
	'thresholds.threshold': [{ name: 'mql', score: 50, appliesTo: 'total' }],
	totalCap: 0,
};

const event = (contactId: string, name: string, properties: Record<string, unknown> = {}, id: string = randomUUID()) => ({
	contactId,
	plan: 'pro',
	event: { id, name, properties, occurredAt: new Date().toISOString() },
});

describe('Lead Score node', () => {
	it('builder rows score fit and engagement, report why, and qualify once per upward crossing', async () => {
		const c = `c-${randomUUID()}`;
		const [q1, n1] = await run([event(c, 'page_viewed', { path: '/pricing/teams' })], { operation: 'score', ...builder });
		expect(q1).toEqual([]);
		expect(n1[0].pairedItem).toEqual({ item: 0 });
		expect(n1[0].json.leadScore).toEqual({
			total: 35,
			groups: { fit: 20, engagement: 15, events: 0 },
			delta: 35,
			grade: 'B2',
			crossed: [],
			above: [],
			rules: [
				{ name: 'pro-plan', points: 20, group: 'fit' },
				{ name: 'pricing', points: 15, group: 'engagement' },
			],
		});
		// three more views in one execution: the second crosses 50, the cap of 40 stops engagement
		const [q2, n2] = await run([1, 2, 3].map(() => event(c, 'page_viewed', { path: '/pricing' })), { operation: 'score', ...builder });
		expect(q2.map((i) => i.pairedItem)).toEqual([{ item: 0 }]);
		expect(q2[0].json.leadScore).toMatchObject({ total: 50, crossed: ['mql'], grade: 'B2' });
		expect(n2.map((i) => (i.json.leadScore as { total: number; grade: string }).grade + (i.json.leadScore as { total: number }).total)).toEqual(['B160', 'B160']);
		// unsubscribing takes the contact below; the next rise qualifies again
		const [, down] = await run([event(c, 'unsubscribed')], { operation: 'score', ...builder });
		expect(down[0].json.leadScore).toMatchObject({ total: 30, delta: -30 });
		const [again] = await run([event(c, 'page_viewed', { path: '/pricing' }), event(c, 'page_viewed', { path: '/pricing' })], { operation: 'score', ...builder });
		expect(again).toHaveLength(1);
		expect(again[0].json.leadScore).toMatchObject({ total: 60, crossed: ['mql'] });
	});

	it('a retried item (same event id) is not counted twice and keeps its Qualified', async () => {
		const c = `c-${randomUUID()}`;
		const item = event(c, 'page_viewed', { path: '/pricing' }, 'evt-1');
		const params = { operation: 'score', ...builder, 'thresholds.threshold': [{ name: 'mql', score: 30, appliesTo: 'total' }] };
		const [first] = await run([item], params);
		const [retry] = await run([item], params);
		expect(first[0].json.leadScore).toMatchObject({ total: 35, crossed: ['mql'] });
		expect(retry[0].json.leadScore).toMatchObject({ total: 35, delta: 0, crossed: ['mql'], duplicate: true, rules: [] });
	});

	it('items from the Journey Event Trigger are events themselves; the library model scores them', async () => {
		const c = `c-${randomUUID()}`;
		const trigger = (name: string, properties: Record<string, unknown> = {}) => ({ id: randomUUID(), contactId: c, name, properties, occurredAt: new Date().toISOString() });
		const params = { operation: 'score', modelSource: 'library', modelName: 'b2b-default' };
		const [, out] = await run([trigger('demo_requested'), trigger('demo_requested'), trigger('webinar_attended')], params);
		expect(out.map((i) => (i.json.leadScore as { rules: Array<{ name: string }> }).rules.map((r) => r.name))).toEqual([['requested-demo'], [], ['attended-webinar']]);
		expect(out[2].json.leadScore).toMatchObject({ total: 35, groups: { fit: 0, engagement: 35 } });
	});

	it('event-count rules read the contact\'s recorded events from the store', async () => {
		const c = `c-${randomUUID()}`;
		const now = Date.now();
		await getMemoryStore().events.record(
			[1, 2].map((n) => ({ id: `${c}-${n}`, contactId: c, name: 'email_clicked', properties: {}, occurredAt: now - n * 3_600_000 })),
			{ historyLimit: 100, ttlSeconds: 3600 },
		);
		const params = { operation: 'score', modelSource: 'library', modelName: 'b2b-default' };
		const click = () => ({ id: randomUUID(), contactId: c, name: 'email_clicked', properties: {}, occurredAt: new Date().toISOString() });
		const [, two] = await run([click()], params);
		expect((two[0].json.leadScore as { rules: unknown[] }).rules).toEqual([]);
		await getMemoryStore().events.record([{ id: `${c}-3`, contactId: c, name: 'email_clicked', properties: {}, occurredAt: now }], { historyLimit: 100, ttlSeconds: 3600 });
		const [, three] = await run([click()], params);
		expect((three[0].json.leadScore as { rules: unknown[] }).rules).toEqual([{ name: 'clicks-emails', points: 10, group: 'engagement' }]);
	});

	it('Get Score reads after decay; Reset Group drops a group; erase removes it all', async () => {
		const c = `c-${randomUUID()}`;
		await run([event(c, 'page_viewed', { path: '/pricing' })], { operation: 'score', ...builder });
		const [, got] = await run([{ contactId: c }], { operation: 'getScore', ...builder, options: { includeHistory: true } });
		expect(got[0].json.leadScore).toMatchObject({ total: 35, delta: 0, crossed: [], grade: 'B2' });
		expect((got[0].json.leadScore as { history: unknown[] }).history).toHaveLength(1);
		const [, reset] = await run([{ contactId: c }], { operation: 'resetGroup', ...builder, resetGroups: 'engagement' });
		expect(reset[0].json.leadScore).toMatchObject({ total: 20, delta: -15, groups: { fit: 20, engagement: 0 } });
		await getMemoryStore().contacts.erase([c]);
		const [, erased] = await run([{ contactId: c }], { operation: 'getScore', ...builder });
		expect(erased[0].json.leadScore).toMatchObject({ total: 0 });
	});

	it('a bad item fails alone with its number; Continue On Fail sends it to Not Qualified with the error', async () => {
		const c = `c-${randomUUID()}`;
		const items = [event(c, 'page_viewed'), { event: { name: 'x' } }];
		await expect(run(items, { operation: 'score', ...builder })).rejects.toThrow('Item 2: Contact ID is empty');
		const [, out] = await run(items, { operation: 'score', ...builder }, { continueOnFail: true });
		// in input order, as every node of the package routes
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out[1].json.error).toBe('Item 2: Contact ID is empty');
		const [, reset] = await run([{ contactId: c }], { operation: 'resetGroup', ...builder, resetGroups: 'engagment' }, { continueOnFail: true });
		expect(reset[0].json.error).toContain('Item 1: Groups to Reset names unknown groups: engagment');
	});

	it('a broken model names the parameter and the place', async () => {
		const model = { name: 'm', description: 'd', groups: { fit: { label: 'Fit' } }, rules: [{ name: 'r', conditions: { all: [{ fact: 'a', operator: 'equal', value: 1 }] }, event: { type: 'score', params: { group: 'fit', points: 'ten' } } }] };
		await expect(run([event('c', 'x')], { operation: 'score', modelSource: 'json', modelJson: JSON.stringify(model) })).rejects.toThrow(
			'The scoring model in "Model (JSON)" is not valid: rules[0].event.params.points: points must be a number, got "ten"',
		);
		await expect(run([event('c', 'x')], { operation: 'score', modelSource: 'json', modelJson: '{ "name": ' })).rejects.toThrow(/Model \(JSON\)" is not valid: line 1, column/);
		const rows = [{ name: 'r', field: 'total', operator: 'greaterThan', value: 'lots', points: 1, group: 'fit', repeat: 'every' }];
		await expect(run([event('c', 'x')], { operation: 'score', ...builder, 'rules.rule': rows })).rejects.toThrow('"Rules" is not valid: rules[0].value: must be a number, got "lots"');
	});

	it('every dropdown has its options, and the builder rows carry every field the model reads', () => {
		const empty: string[] = [];
		const walk = (properties: INodeProperties[], path: string) => {
			for (const p of properties) {
				const here = `${path}${p.name}`;
				if (p.type === 'options' && !(Array.isArray(p.options) && p.options.length > 0)) empty.push(here);
				if (p.type === 'options' && Array.isArray(p.options) && !p.options.some((o) => 'value' in o && o.value === p.default)) empty.push(`${here} (default)`);
				for (const option of p.options ?? []) {
					if ('values' in option) walk(option.values, `${here}.${option.name}.`);
					else if ('type' in option) walk([option], `${here}.`);
				}
			}
		};
		walk(node.description.properties, '');
		expect(empty).toEqual([]);
		const rows = (name: string, row: string) => {
			const collection = node.description.properties.find((p) => p.name === name);
			const option = collection?.options?.find((o) => 'values' in o && o.name === row) as { values: INodeProperties[] } | undefined;
			return (option?.values ?? []).map((v) => v.name).sort();
		};
		expect(rows('rules', 'rule')).toEqual(['field', 'group', 'groupName', 'name', 'operator', 'period', 'points', 'repeat', 'times', 'value', 'within']);
		expect(rows('groups', 'group')).toEqual(['cap', 'days', 'decay', 'group', 'groupName', 'percent']);
		expect(rows('thresholds', 'threshold')).toEqual(['appliesTo', 'groupName', 'name', 'score']);
	});
});
