/**
 * What a marketer meets first in Frequency Cap's panel and items: outputs named per mode (read
 * through n8n-workflow's own expression evaluation, as the editor does), cap fields in a sensible
 * order with the length hidden for calendar periods, defaults that guess nothing, errors that
 * name the field and its format, times in the contact's zone and invalid zones that are never
 * replaced silently.
 */
import { randomUUID } from 'node:crypto';
import { NodeHelpers, Workflow, type INode, type INodeProperties } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { fromItem, node, runCap } from './context';

const unique = () => randomUUID().slice(0, 8);
const capsProperty = node.description.properties.find((p) => p.name === 'caps') as INodeProperties;
const capFields = (capsProperty.options?.[0] as { values: INodeProperties[] }).values;
const base = (extra: Record<string, unknown> = {}) => ({
	operation: 'checkAndReserve',
	contactId: fromItem('contactId'),
	timezone: fromItem('timezone'),
	messageKey: '',
	caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'rolling', amount: 1, unit: 'hours' }] },
	store: 'memory',
	options: {},
	...extra,
});

function outputsFor(operation: string): string[] {
	const nodeTypes = { getByName: () => node, getByNameAndVersion: () => node, getKnownTypes: () => ({}) } as never;
	const n: INode = { id: '1', name: 'Frequency Cap', type: 'n8n-nodes-journeys.frequencyCap', typeVersion: 1, position: [0, 0], parameters: { operation } };
	const workflow = new Workflow({ nodes: [n], connections: {}, active: false, nodeTypes });
	return NodeHelpers.getNodeOutputs(workflow, n, node.description).map((o) => (typeof o === 'string' ? o : (o.displayName as string)));
}

/** Whether the editor shows a field of a cap whose values are `values`. */
function capFieldShown(name: string, values: Record<string, unknown>): boolean {
	const field = capFields.find((f) => f.name === name) as INodeProperties;
	return NodeHelpers.displayParameter(values as never, field, { parameters: {} } as never, node.description as never);
}

function fieldShown(name: string, parameters: Record<string, unknown>): boolean {
	const fields = node.description.properties.filter((p) => p.name === name);
	return fields.some((field) => NodeHelpers.displayParameter(parameters as never, field, { parameters } as never, node.description as never));
}

describe('Frequency Cap in the editor', () => {
	it('names its outputs for what each mode does', () => {
		expect(outputsFor('checkAndReserve')).toEqual(['Allowed', 'Capped']);
		expect(outputsFor('check')).toEqual(['Allowed', 'Capped']);
		expect(outputsFor('record')).toEqual(['Recorded', 'Not Recorded']);
		expect(outputsFor('release')).toEqual(['Released', 'Not Released']);
	});

	it('asks for the counting period before the length, and hides the length for calendar periods', () => {
		const order = capFields.map((f) => f.name);
		expect(order.indexOf('window')).toBeLessThan(order.indexOf('amount'));
		expect(order.indexOf('window')).toBeLessThan(order.indexOf('unit'));
		for (const window of ['day', 'week', 'month']) {
			expect(capFieldShown('amount', { type: 'limit', window })).toBe(false);
			expect(capFieldShown('unit', { type: 'limit', window })).toBe(false);
		}
		expect(capFieldShown('amount', { type: 'limit', window: 'rolling' })).toBe(true);
		expect(capFieldShown('amount', { type: 'gap' })).toBe(true);
		expect(capFieldShown('window', { type: 'gap' })).toBe(false);
	});

	it('a cap added with "Add Cap" starts like the pre-filled one', () => {
		const prefilled = (capsProperty.default as { cap: Array<Record<string, unknown>> }).cap[0];
		const added = Object.fromEntries(capFields.map((f) => [f.name, f.default]));
		for (const [key, value] of Object.entries(prefilled)) expect(added[key], key).toEqual(value);
	});

	it('defaults guess nothing about the message: Tags are empty, not the contact\'s own tags', () => {
		expect(node.description.properties.find((p) => p.name === 'tags')?.default).toBe('');
	});

	it('shows Message Key only where a slot is taken or given back', () => {
		expect(fieldShown('messageKey', { operation: 'checkAndReserve' })).toBe(true);
		expect(fieldShown('messageKey', { operation: 'record' })).toBe(true);
		expect(fieldShown('messageKey', { operation: 'release' })).toBe(true);
		expect(fieldShown('messageKey', { operation: 'check' })).toBe(false);
	});

	it('"Send From: 8am" is an error naming the field and the accepted format', async () => {
		const run = runCap({ items: [{ contactId: `c-${unique()}` }], parameters: base({ quietHours: true, sendFrom: '8am', sendUntil: '21:00' }) });
		await expect(run).rejects.toMatchObject({
			message: expect.stringMatching(/Send From.*"8am".*HH:mm/),
			description: expect.stringMatching(/08:00/),
		});
		const until = runCap({ items: [{ contactId: `c-${unique()}` }], parameters: base({ quietHours: true, sendFrom: '08:00', sendUntil: '9:00 pm' }) });
		await expect(until).rejects.toMatchObject({ message: expect.stringMatching(/Send Until.*"9:00 pm"/) });
	});

	it('gives retryAt also in the contact\'s time zone', async () => {
		const c = `c-${unique()}`;
		const items = [
			{ contactId: c, timezone: 'Asia/Seoul' },
			{ contactId: c, timezone: 'Asia/Seoul' },
		];
		const [, capped] = await runCap({ items, parameters: base() });
		const decision = capped[0].json.frequencyCap as Record<string, string>;
		expect(decision.retryAtContactTime).toMatch(/\+09:00$/);
		expect(Date.parse(decision.retryAtContactTime)).toBe(Date.parse(decision.retryAt));
		expect(decision.timezoneFallback).toBeUndefined();
	});

	it('an invalid contact time zone fails the item by default, or is flagged with its value when the option says fall back', async () => {
		const calendar = { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'day' }] };
		const items = [{ contactId: `c-${unique()}`, timezone: 'Mars/Olympus' }];
		await expect(runCap({ items, parameters: base({ caps: calendar }) })).rejects.toMatchObject({
			message: expect.stringMatching(/Contact Time Zone.*Mars\/Olympus/),
			description: expect.stringMatching(/Invalid Contact Time Zone/),
		});
		const [allowed] = await runCap({
			items,
			parameters: base({ caps: calendar, options: { fallbackTimezone: 'Asia/Seoul', onInvalidTimezone: 'fallback' } }),
		});
		expect(allowed[0].json.frequencyCap).toMatchObject({ allowed: true, timezoneFallback: true, invalidTimezone: 'Mars/Olympus' });
	});

	it('a Webhook item with the contact under body gets an error naming body.contactId', async () => {
		const run = runCap({ items: [{ body: { contactId: 'c-1' }, headers: {} }], parameters: base() });
		await expect(run).rejects.toMatchObject({ description: expect.stringMatching(/body\.contactId.*\{\{ \$json\.body\.contactId \}\}/) });
	});
});
