import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	checkEventConditions,
	countOutcomes,
	defaultEntryId,
	ItemError,
	itemMessage,
	journeyNameParameter,
	readItems,
	resolveStore,
	StoreUnavailableError,
	textOf,
	withField,
	variantOf,
	type ConversionGoal,
	type EntryDecision,
	type EntryRequest,
	type JourneyStore,
	type ReentryRule,
} from '../../lib';

const DAY_MS = 86_400_000;
const ENTERED = 0;
const NOT_ENTERED = 1;

interface Options {
	rememberDays?: number;
}

/**
 * Reads every item's entry request (a bad item fails alone, and without Continue On Fail stops
 * the node before anything is entered), decides the whole batch in one
 * store call (atomic per contact: check, record, mark active), and routes each item to
 * Entered (0) or Not Entered (1) with its `journey` context.
 */
export async function enterJourney(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	if (items.length === 0) return [[], []];
	const options = ctx.getNodeParameter('options', 0, {}) as Options;
	const rememberDays = Number(options.rememberDays ?? 1825);
	if (!(rememberDays > 0)) {
		throw new NodeOperationError(ctx.getNode(), `Remember Entries (Days) ${options.rememberDays} is not a number of days above 0`, {
			description: 'Set Options → Remember Entries (Days) to e.g. 1825 (5 years).',
		});
	}

	const batch = readItems<EntryRequest, { request: EntryRequest; decision: EntryDecision }>(ctx, (i) => readRequest(ctx, items[i].json, i));
	const requests = batch.ready.map((r) => r.value);
	let store: JourneyStore | undefined;
	if (requests.length > 0) {
		try {
			store = await resolveStore(ctx, batch.ready[0].itemIndex);
			const decisions = await store.entries.enter(requests, { rememberSeconds: rememberDays * 86_400 });
			batch.ready.forEach(({ itemIndex }, k) => batch.set(itemIndex, { request: requests[k], decision: decisions[k] }));
		} catch (error) {
			const down = storeError(ctx, error);
			for (const { itemIndex } of batch.ready) batch.fail(itemIndex, down(itemIndex));
		}
	}

	const outputs = batch.route(2, NOT_ENTERED, (i, { request, decision }) => {
		const journey: IDataObject = {
			name: request.journey,
			entryId: request.entryId,
			enteredAt: decision.entered ? new Date(decision.enteredAt).toISOString() : null,
			key: request.key || null,
			entered: decision.entered,
			reason: decision.reason,
			retryAt: decision.retryAt === null ? null : new Date(decision.retryAt).toISOString(),
			lastEnteredAt: decision.lastEnteredAt === null ? null : new Date(decision.lastEnteredAt).toISOString(),
		};
		return { output: decision.entered ? ENTERED : NOT_ENTERED, item: withField(items[i], i, 'journey', journey) };
	});
	await countOutcomes(ctx, store, entryOutcomes(batch.ready.map(({ itemIndex }) => itemIndex), items, batch.resultOf.bind(batch)));
	return outputs;
}

/** entered / not_entered per item under its journey; a retry of the same entry is not counted again. */
function* entryOutcomes(indexes: number[], items: INodeExecutionData[], resultOf: (i: number) => { request: EntryRequest; decision: EntryDecision } | undefined) {
	for (const i of indexes) {
		const result = resultOf(i);
		if (!result || result.decision.reason === 'same_entry') continue;
		yield {
			json: { journey: { name: result.request.journey }, experiment: items[i].json.experiment } as IDataObject,
			outcome: result.decision.entered ? 'entered' : 'not_entered',
		};
	}
}

function readRequest(ctx: IExecuteFunctions, json: IDataObject, i: number): EntryRequest {
	const fail = (parameter: string, message: string, hint: string) => new ItemError(itemMessage(i, message), `${hint} (parameter "${parameter}")`);
	const text = (name: string) => textOf(ctx.getNodeParameter(name, i, ''));

	const journey = journeyNameParameter(ctx, i);
	if (!journey) throw fail('Journey Name', 'Journey Name is empty and the workflow has no name', 'Give the journey a name, e.g. cart-abandonment.');
	const contactId = text('contactId');
	if (!contactId) {
		throw fail('Contact ID', 'Contact ID is empty', 'Set "Contact ID" to the field that identifies the contact, e.g. {{ $json.contactId }}.');
	}
	const reentry = ctx.getNodeParameter('reentry', i, 'anyTime') as ReentryRule;
	const key = text('entryKey');
	if (reentry === 'oncePerKey' && !key) {
		throw fail(
			'Entry Key',
			'Entry Key is empty, and Re-Entry is "Once Per Entry Key"',
			'Map "Entry Key" to what one entry is about, e.g. {{ $json.properties.cartId }}, or choose another Re-Entry rule.',
		);
	}
	const days = (name: string, label: string) => {
		const value = Number(ctx.getNodeParameter(name, i, 0));
		if (!(value > 0)) throw fail(label, `${label} must be a number of days above 0`, `Set "${label}" to e.g. 30.`);
		return value * DAY_MS;
	};
	const maxDurationMs = days('maxDurationDays', 'Maximum Duration (Days)');
	const reentryAfterMs = reentry === 'afterPeriod' ? days('reentryAfterDays', 'Re-Enter After (Days)') : undefined;
	const entryId = text('entryId') || defaultEntryId(json, journey, contactId, key);
	const variant = variantOf(json);
	return {
		goal: readGoal(ctx, i, fail),
		...(variant ? { variant } : {}),
		contactId,
		journey,
		entryId,
		key: key || undefined,
		reentry,
		reentryAfterMs,
		whileActive: ctx.getNodeParameter('whileActive', i, 'refuse') === 'allow' ? 'allow' : 'refuse',
		maxDurationMs,
	};
}

/** The journey's conversion goal, when Track a Conversion Goal is on. */
function readGoal(ctx: IExecuteFunctions, i: number, fail: (parameter: string, message: string, hint: string) => ItemError): ConversionGoal | undefined {
	if (ctx.getNodeParameter('trackConversion', i, false) !== true) return undefined;
	const event = textOf(ctx.getNodeParameter('goalEvent', i, ''));
	if (!event) throw fail('Conversion Event', 'Conversion Event is empty', 'Name the event that converts, e.g. purchase, or turn off Track a Conversion Goal.');
	const windowDays = Number(ctx.getNodeParameter('goalWindowDays', i, 7));
	if (!(windowDays > 0)) throw fail('Conversion Window (Days)', 'Conversion Window (Days) must be a number of days above 0', 'Set it to e.g. 7.');
	const raw = ctx.getNodeParameter('goalConditions', i, '') as unknown;
	let conditions = '';
	if (raw !== undefined && raw !== null && String(typeof raw === 'string' ? raw : JSON.stringify(raw)).trim() !== '') {
		let parsed: unknown = raw;
		if (typeof raw === 'string') {
			try {
				parsed = JSON.parse(raw);
			} catch (error) {
				throw fail('Conversion Conditions (JSON)', `Conversion Conditions is not valid JSON: ${(error as Error).message}`, 'Write a condition tree such as { "all": [{ "fact": "total", "operator": "greaterThan", "value": 50 }] }, or leave it empty.');
			}
		}
		const problems = checkEventConditions(parsed);
		if (problems.length > 0) throw fail('Conversion Conditions (JSON)', `Conversion Conditions: ${problems.join('; ')}`, 'Fix the condition tree; facts are paths into the event\'s properties.');
		conditions = JSON.stringify(parsed);
	}
	return { event, conditions, windowMs: windowDays * DAY_MS };
}

function storeError(ctx: IExecuteFunctions, error: unknown): (itemIndex: number) => NodeOperationError {
	if (error instanceof NodeOperationError) return () => error;
	const detail = error instanceof StoreUnavailableError && error.detail ? ` Cause: ${error.detail}.` : '';
	return (itemIndex) =>
		new NodeOperationError(ctx.getNode(), `The store could not record the journey entry: ${(error as Error).message}`, {
			itemIndex,
			description: `Nothing was entered.${detail} Check that Redis is running and reachable with the "Journey Store (Redis)" credential, then retry the execution: the same entry ID enters once.`,
		});
}
