/**
 * The item loop every node shares (lib/n8n/items.ts): per-item errors numbered from 1, the
 * first bad item thrown before the caller writes (no Continue On Fail), error items with
 * pairedItem on the error output (Continue On Fail), and the cheap `{{ $json.x }}` reader.
 */
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { ItemBatch, ItemError, itemMessage, parameterReader, readItems, StoreUnavailableError, toNodeError } from '../../../lib';
import { executeContext } from '../helpers/executeContext';

const items = [{ id: 'a' }, { id: '' }, { id: 'c' }];
const readId = (ctx: ReturnType<typeof executeContext>) => (i: number) => {
	const id = String(ctx.getInputData()[i].json.id);
	if (id === '') throw new ItemError(itemMessage(i, 'ID is empty'), 'Map "ID" to the field that holds it.', 'ID');
	return id;
};

describe('the shared item loop', () => {
	it('without Continue On Fail, the first bad item is thrown by readItems, before the caller can write', () => {
		const ctx = executeContext({ items, parameters: {} });
		let written = false;
		const attempt = () => {
			readItems(ctx, readId(ctx));
			written = true;
		};
		expect(attempt).toThrow(NodeOperationError);
		expect(attempt).toThrow('Parameter "ID": Item 2: ID is empty');
		expect(written).toBe(false);
	});

	it('with Continue On Fail, a bad item leaves on the error output with `error` and its pairedItem; the others are routed in input order', () => {
		const ctx = executeContext({ items, parameters: {}, continueOnFail: true });
		const batch = readItems<string, string>(ctx, readId(ctx));
		expect(batch.ready.map((r) => r.itemIndex)).toEqual([0, 2]);
		for (const { itemIndex, value } of batch.ready) batch.set(itemIndex, value.toUpperCase());
		const [ok, failed] = batch.route(2, 1, (i, result) => ({ output: 0, item: { json: { result }, pairedItem: { item: i } } }));
		expect(ok).toEqual([
			{ json: { result: 'A' }, pairedItem: { item: 0 } },
			{ json: { result: 'C' }, pairedItem: { item: 2 } },
		]);
		expect(failed).toEqual([{ json: { id: '', error: 'Parameter "ID": Item 2: ID is empty' }, pairedItem: { item: 1 } }]);
		expect(batch.errorOf(1)?.description).toBe('Map "ID" to the field that holds it.');
	});

	it('storeFor: without a usable store every item it was asked for fails with the reason, the others are untouched', async () => {
		const ctx = executeContext({ items, parameters: { store: 'redis' }, continueOnFail: true });
		const batch = readItems<string, string>(ctx, readId(ctx));
		expect(batch.valuesByIndex()).toEqual(['a', undefined, 'c']);
		expect(await batch.storeFor([])).toBeUndefined();
		expect(batch.errorOf(0)).toBeUndefined();
		expect(await batch.storeFor([0])).toBeUndefined();
		expect(batch.errorOf(0)?.message).toMatch(/^No Journey Store \(Redis\) credential/);
		expect(batch.errorOf(2)).toBeUndefined();
		const memory = executeContext({ items, parameters: { store: 'memory' } });
		expect(await new ItemBatch(memory).storeFor([0, 2])).toBeDefined();
	});

	it('a store that did not answer becomes an error naming the store and what to do; other errors keep their text', () => {
		const ctx = executeContext({ items, parameters: {} });
		const outage = toNodeError(ctx, new StoreUnavailableError('Redis at test:1 is not reachable', { detail: 'ECONNREFUSED' }), 2);
		expect(outage.message).toBe('The journey store did not answer: Redis at test:1 is not reachable');
		expect(outage.description).toMatch(/Cause: ECONNREFUSED/);
		const other = toNodeError(ctx, new Error('boom'), 0);
		expect(other).toBeInstanceOf(NodeOperationError);
		expect(other.message).toBe('boom');
	});

	it('reads a plain {{ $json.x }} straight from the item, a fixed value once, anything else through n8n per item', () => {
		let calls = 0;
		const ctx = executeContext({
			items: [{ contact: { id: 'c-1' } }, { contact: {} }],
			parameters: {
				contactId: () => {
					throw new Error('a plain $json path must not go through n8n');
				},
				channel: () => {
					calls++;
					return 'email';
				},
				campaign: (i: number) => `spring-${i}`,
			},
			rawParameters: { contactId: '={{ $json.contact.id }}', channel: 'email', campaign: '={{ "spring-" + $itemIndex }}' },
		});
		const contactId = parameterReader<unknown>(ctx, 'contactId', '');
		expect([contactId(0), contactId(1)]).toEqual(['c-1', undefined]);
		const channel = parameterReader<unknown>(ctx, 'channel', '');
		expect([channel(0), channel(1)]).toEqual(['email', 'email']);
		expect(calls).toBe(1);
		const campaign = parameterReader<unknown>(ctx, 'campaign', '');
		expect([campaign(0), campaign(1)]).toEqual(['spring-0', 'spring-1']);
	});
});
