import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMemoryStore, StoreUnavailableError } from '../../../lib';
import { JourneyEntry } from '../../../nodes/JourneyEntry/JourneyEntry.node';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { runCap } from '../frequency-cap/context';
import { executeContext, type ExecuteContextOptions } from '../helpers/executeContext';

const node = new JourneyEntry();
const unique = () => randomUUID().slice(0, 8);
const fromItem = (field: string) => (_: number, item: INodeExecutionData) => item.json[field];
const params = (extra: Record<string, unknown> = {}) => ({
	journeyName: '',
	contactId: fromItem('contactId'),
	entryKey: '',
	reentry: 'anyTime',
	whileActive: 'refuse',
	maxDurationDays: 90,
	entryId: '',
	store: 'memory',
	options: {},
	...extra,
});
const run = (options: Omit<ExecuteContextOptions, 'parameters'> & { parameters?: Record<string, unknown> }) =>
	node.execute.call(executeContext({ ...options, parameters: params(options.parameters) }));

afterEach(() => vi.restoreAllMocks());

describe('Journey Entry node', () => {
	it('declares Entered / Not Entered, usableAsTool and the Redis credential with its test', () => {
		const d = node.description;
		expect(d.name).toBe('journeyEntry');
		expect(d.outputNames).toEqual(['Entered', 'Not Entered']);
		expect(d.usableAsTool).toBe(true);
		expect(d.credentials).toEqual([expect.objectContaining({ name: 'journeyStoreRedisApi', testedBy: 'journeyStoreRedisConnectionTest' })]);
		expect(typeof node.methods.credentialTest.journeyStoreRedisConnectionTest).toBe('function');
	});

	it('enters once while in the journey and adds the journey context, with pairedItem on every item', async () => {
		const contactId = `c-${unique()}`;
		const [entered, notEntered] = await run({ items: [{ contactId, n: 0 }, { contactId, n: 1 }, { contactId: `other-${unique()}`, n: 2 }] });
		expect(entered.map((i) => [i.json.n, i.pairedItem])).toEqual([[0, { item: 0 }], [2, { item: 2 }]]);
		expect(notEntered.map((i) => [i.json.n, i.pairedItem])).toEqual([[1, { item: 1 }]]);
		const journey = entered[0].json.journey as Record<string, unknown>;
		expect(journey).toMatchObject({ name: 'Test Workflow', key: null, entered: true, reason: 'entered', retryAt: null, lastEnteredAt: null });
		expect(Date.parse(journey.enteredAt as string)).toBeGreaterThan(Date.now() - 5000);
		expect(journey.entryId).toMatch(/^entry-/);
		expect(notEntered[0].json.journey).toMatchObject({ entered: false, reason: 'already_in_journey', enteredAt: null });
	});

	it('the default entry id is the event id of a Journey Event Trigger item, else derived from the input (the same on a retry)', async () => {
		const journeyName = `j-${unique()}`;
		const event = { id: `evt-${unique()}`, contactId: `c-${unique()}`, name: 'cart_abandoned', journeyEvent: { recorded: true } };
		const [[fromEvent]] = await run({ items: [event], parameters: { journeyName } });
		expect((fromEvent.json.journey as { entryId: string }).entryId).toBe(event.id);
		// the same input again (n8n's Retry re-runs the node with it) is the same entry
		const [[again]] = await run({ items: [event], parameters: { journeyName } });
		expect(again.json.journey).toMatchObject({ entryId: event.id, reason: 'same_entry', enteredAt: (fromEvent.json.journey as { enteredAt: string }).enteredAt });

		const contactId = `c-${unique()}`;
		const first = await run({ items: [{ contactId, body: { a: 1, b: 2 } }], parameters: { journeyName } });
		const reordered = await run({ items: [{ body: { b: 2, a: 1 }, contactId }], parameters: { journeyName } });
		const different = await run({ items: [{ contactId, body: { a: 1, b: 3 } }], parameters: { journeyName } });
		const id = (out: INodeExecutionData[][]) => ((out[0][0] ?? out[1][0]).json.journey as { entryId: string }).entryId;
		expect(id(reordered)).toBe(id(first));
		expect(reordered[0][0].json.journey).toMatchObject({ reason: 'same_entry' });
		expect(id(different)).not.toBe(id(first));
		expect(different[1][0].json.journey).toMatchObject({ reason: 'already_in_journey' });
	});

	it('names the item (counted from 1) and the parameter on bad input; Continue On Fail sends it to Not Entered', async () => {
		const items = [{ contactId: `c-${unique()}` }, { contactId: '' }];
		const enter = vi.spyOn(getMemoryStore().entries, 'enter');
		const error = await run({ items }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe('Item 2: Contact ID is empty');
		expect((error as NodeOperationError).description).toMatch(/parameter "Contact ID"/);
		// without Continue On Fail the bad item stops the node before the good one is entered
		expect(enter).not.toHaveBeenCalled();

		const keyless = await run({ items: [{ contactId: `c-${unique()}` }], parameters: { reentry: 'oncePerKey' } }).catch((e: unknown) => e);
		expect((keyless as Error).message).toMatch(/Item 1: Entry Key is empty, and Re-Entry is "Once Per Entry Key"/);

		const [entered, notEntered] = await run({ items, continueOnFail: true });
		expect(entered).toHaveLength(1);
		expect(notEntered).toEqual([{ json: { contactId: '', error: 'Item 2: Contact ID is empty' }, pairedItem: { item: 1 } }]);
	});

	it('store unavailable: an error that says nothing was entered; Continue On Fail sends every item to Not Entered', async () => {
		vi.spyOn(getMemoryStore().entries, 'enter').mockRejectedValue(new StoreUnavailableError('Redis at test:1 is not reachable', { detail: 'ECONNREFUSED' }));
		const items = [{ contactId: `c-${unique()}` }, { contactId: `c-${unique()}` }];
		const error = (await run({ items }).catch((e: unknown) => e)) as NodeOperationError;
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('The store could not record the journey entry: Redis at test:1 is not reachable');
		expect(error.description).toMatch(/Nothing was entered\. Cause: ECONNREFUSED\./);
		const [entered, notEntered] = await run({ items, continueOnFail: true });
		expect(entered).toEqual([]);
		expect(notEntered.map((i) => [i.pairedItem, i.json.error])).toEqual([
			[{ item: 0 }, error.message],
			[{ item: 1 }, error.message],
		]);
	});

	it('Exit Journey (Journey Event) ends the entry, so the contact enters again', async () => {
		const journeyName = `j-${unique()}`;
		const contactId = `c-${unique()}`;
		expect((await run({ items: [{ contactId, n: 1 }], parameters: { journeyName } }))[0]).toHaveLength(1);
		expect((await run({ items: [{ contactId, n: 2 }], parameters: { journeyName } }))[1]).toHaveLength(1);
		const exit = await new JourneyEvent().execute.call(
			executeContext({
				items: [{ contactId }],
				parameters: { operation: 'exitJourney', journeyName, contactId: fromItem('contactId'), exitEntryKey: '', store: 'memory' },
			}),
		);
		expect(exit).toEqual([[{ json: { contactId, journeyEvent: { operation: 'exitJourney', journey: journeyName, key: null, exited: 1 } }, pairedItem: { item: 0 } }]]);
		expect((await run({ items: [{ contactId, n: 3 }], parameters: { journeyName } }))[0]).toHaveLength(1);
	});

	it('Frequency Cap keys on the journey entry: a retry in a new execution takes no second slot', async () => {
		const contactId = `c-${unique()}`;
		const [[entered]] = await run({ items: [{ contactId }] });
		const capParams = {
			operation: 'checkAndReserve',
			contactId: fromItem('contactId'),
			channel: '',
			campaign: '',
			tags: '',
			messageKey: '',
			caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 5, window: 'rolling', amount: 1, unit: 'hours' }] },
			store: 'memory',
			options: {},
		};
		const first = await runCap({ items: [entered.json], parameters: capParams, executionId: 'exec-1' });
		const retried = await runCap({ items: [entered.json], parameters: capParams, executionId: 'exec-2' });
		const entryId = (entered.json.journey as { entryId: string }).entryId;
		expect(first[0][0].json.frequencyCap).toMatchObject({ reason: 'within_limits', count: 1, messageKey: `wf-1:Node Under Test:${contactId}:${entryId}` });
		expect(retried[0][0].json.frequencyCap).toMatchObject({ allowed: true, reason: 'already_reserved' });
		// without a journey context the execution id still keys it
		const plain = await runCap({ items: [{ contactId }], parameters: capParams, executionId: 'exec-3' });
		expect(plain[0][0].json.frequencyCap).toMatchObject({ reason: 'within_limits', count: 2, messageKey: 'wf-1:Node Under Test:exec-3:0' });
	});
});
