/**
 * The store compiles each rules array once per batch: items with equal caps must reach it with
 * one rules array, whether the Caps parameter is fixed or comes from an expression.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMemoryStore, type CapRequest } from '../../../lib';
import { fromItem, runCap } from './context';

afterEach(() => vi.restoreAllMocks());

const cap = (maxMessages: number) => ({ type: 'limit', scope: 'all', maxMessages, window: 'rolling', amount: 1, unit: 'hours' });
const parameters = (caps: unknown) => ({
	operation: 'checkAndReserve',
	contactId: fromItem('contactId'),
	channel: '',
	campaign: '',
	tags: '',
	timezone: '',
	messageKey: '',
	caps,
	quietHours: false,
	bypass: false,
	store: 'memory',
	options: {},
});

/** Runs the node and returns the requests it handed the store. */
async function requestsOf(items: Array<Record<string, unknown>>, caps: unknown): Promise<CapRequest[]> {
	const apply = vi.spyOn(getMemoryStore().caps, 'apply');
	await runCap({ items, parameters: parameters(caps) });
	return apply.mock.calls.flatMap(([requests]) => requests);
}

describe('Frequency Cap shares rules across items', () => {
	it('a fixed Caps parameter gives every item the same rules array', async () => {
		const items = Array.from({ length: 5 }, () => ({ contactId: `c-${randomUUID()}` }));
		const requests = await requestsOf(items, { cap: [cap(2)] });
		expect(requests).toHaveLength(5);
		expect(new Set(requests.map((r) => r.rules)).size).toBe(1);
		expect(requests[0].rules).toEqual([expect.objectContaining({ kind: 'limit', limit: 2 })]);
	});

	it('caps from an expression: equal values share one array, different values do not', async () => {
		const items = [2, 3, 2, 3, 2].map((max) => ({ contactId: `c-${randomUUID()}`, max }));
		// a new object per item, as n8n's expression engine returns
		const requests = await requestsOf(items, (_: number, item: { json: { max: number } }) => ({ cap: [cap(item.json.max)] }));
		const rules = requests.map((r) => r.rules);
		expect(rules[0]).toBe(rules[2]);
		expect(rules[0]).toBe(rules[4]);
		expect(rules[1]).toBe(rules[3]);
		expect(rules[0]).not.toBe(rules[1]);
		expect(rules.map((r) => r?.[0])).toEqual([2, 3, 2, 3, 2].map((limit) => expect.objectContaining({ limit })));
	});

	it('a cap that is wrong on one item still fails that item, with its own number', async () => {
		const items = [1, 0, 1].map((amount) => ({ contactId: `c-${randomUUID()}`, amount }));
		const caps = (_: number, item: { json: { amount: number } }) => ({ cap: [{ ...cap(2), amount: item.json.amount }] });
		const error = await runCap({ items, parameters: parameters(caps) }).then(
			() => undefined,
			(e: { message: string; context?: { itemIndex?: number } }) => e,
		);
		expect(error?.message).toMatch(/cap 1: a rolling window/);
		expect(error?.context?.itemIndex).toBe(1);
	});
});
