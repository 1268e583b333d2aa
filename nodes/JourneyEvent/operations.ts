import { randomUUID } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	DEFAULT_HISTORY_LIMIT,
	DEFAULT_HISTORY_TTL_DAYS,
	ingestEvents,
	normalizeEvent,
	parseTime,
	resolveStore,
	storeOutageError,
	type ContactEvent,
	type ContactStateChange,
	type JourneyStore,
	usesTestStore,
	webhookBodyHint,
	whyNotResumed,
} from '../../lib';
import { exitJourney } from './exitJourney';

interface Options {
	historyLimit?: number;
	historyTtlDays?: number;
	resumeWaits?: boolean;
	generateIds?: boolean;
	stateTtlDays?: number;
}

const DEFAULT_STATE_TTL_DAYS = 1825;

type Slot = INodeExecutionData | Error;

/**
 * Every operation works on the whole batch: per-item parameters are read (errors kept per
 * item), then one store call for all valid items, then one output item per input item.
 * Without Continue On Fail a bad item stops the node before the store call, so nothing of the
 * batch is recorded and the user's retry after fixing it records every item once.
 */
export async function runJourneyEvent(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	if (items.length === 0) return [[]];
	const operation = ctx.getNodeParameter('operation', 0) as string;
	const store = await resolveStore(ctx, 0);
	let slots: Slot[];
	try {
		slots = await runOperation(ctx, store, items, operation);
	} catch (error) {
		throw storeOutageError(ctx, error);
	}
	const out: INodeExecutionData[] = [];
	slots.forEach((slot, itemIndex) => {
		if (!(slot instanceof Error)) {
			out.push(slot);
			return;
		}
		if (!ctx.continueOnFail()) throw slot;
		out.push({ json: { ...items[itemIndex].json, error: slot.message }, pairedItem: { item: itemIndex } });
	});
	return [out];
}

async function runOperation(ctx: IExecuteFunctions, store: JourneyStore, items: INodeExecutionData[], operation: string): Promise<Slot[]> {
	switch (operation) {
		case 'record':
			return await record(ctx, store, items);
		case 'consent':
		case 'subscription':
			return await updateState(ctx, store, items, operation);
		case 'erase':
			return await erase(ctx, store, items);
		case 'exitJourney':
			return await exitJourney(ctx, store, items, contactOf, asItemError, stopOnBadItem);
		default:
			throw new NodeOperationError(ctx.getNode(), `Unknown operation "${operation}"`, {
				description: 'Pick Record Event, Update Consent, Unsubscribe or Resubscribe, Erase Contact, or Exit Journey.',
			});
	}
}

async function record(ctx: IExecuteFunctions, store: JourneyStore, items: INodeExecutionData[]): Promise<Slot[]> {
	const options = ctx.getNodeParameter('options', 0, {}) as Options;
	const now = Date.now();
	const slots: Slot[] = new Array(items.length);
	const events: ContactEvent[] = [];
	const eventIndex: number[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			let id = ctx.getNodeParameter('eventId', i, '') as unknown;
			if (id === undefined || id === null || String(id).trim() === '') id = options.generateIds ? randomUUID() : defaultEventId(ctx, i);
			const result = normalizeEvent(
				{
					id,
					contactId: ctx.getNodeParameter('contactId', i, ''),
					name: ctx.getNodeParameter('eventName', i, ''),
					properties: ctx.getNodeParameter('properties', i, {}),
					occurredAt: ctx.getNodeParameter('occurredAt', i, ''),
				},
				now,
			);
			if (!result.ok) throw itemError(ctx, i, result.field, result.message);
			events.push(result.event);
			eventIndex.push(i);
		} catch (error) {
			slots[i] = asItemError(ctx, error, i);
		}
	}
	stopOnBadItem(ctx, slots);
	const ingested = await ingestEvents(store, events, {
		historyLimit: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
		ttlSeconds: (options.historyTtlDays ?? DEFAULT_HISTORY_TTL_DAYS) * 86_400,
		resume: options.resumeWaits !== false,
		resumeOptions: { logger: ctx.logger },
	});
	// a test run explains an event that resumed nothing (e.g. a pinned event dated before the journey)
	const explain = ctx.getMode?.() === 'manual';
	const storeLabel = usesTestStore(ctx) ? 'test store (test runs from the editor)' : 'production store';
	const why = explain
		? await Promise.all(ingested.map(async (r) => (r.resumed === 0 && options.resumeWaits !== false ? await whyNotResumed(store, r.event, storeLabel) : undefined)))
		: [];
	ingested.forEach((result, k) => {
		const i = eventIndex[k];
		slots[i] = {
			json: {
				...items[i].json,
				journeyEvent: {
					operation: 'record',
					eventId: result.event.id,
					name: result.event.name,
					recorded: result.recorded,
					duplicate: !result.recorded,
					resumed: result.resumed,
					...(why[k] ? { notResumedBecause: why[k] } : {}),
				},
			},
			pairedItem: { item: i },
		};
	});
	return slots;
}

async function updateState(
	ctx: IExecuteFunctions,
	store: JourneyStore,
	items: INodeExecutionData[],
	operation: 'consent' | 'subscription',
): Promise<Slot[]> {
	const options = ctx.getNodeParameter('options', 0, {}) as Options;
	const now = Date.now();
	const slots: Slot[] = new Array(items.length);
	const changes: ContactStateChange[] = [];
	const changeIndex: number[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const contactId = contactOf(ctx, i);
			const at = parseTime(ctx.getNodeParameter('occurredAt', i, ''), now);
			if (at === undefined) throw itemError(ctx, i, 'occurredAt', 'Occurred At is not a date');
			const source = String(ctx.getNodeParameter('source', i, '') ?? '').trim() || undefined;
			const change: ContactStateChange = { contactId, at, source };
			if (operation === 'consent') {
				const rows = (ctx.getNodeParameter('consentChanges', i, {}) as { changes?: Array<{ topic?: string; granted?: boolean }> }).changes ?? [];
				change.consent = {};
				for (const row of rows) {
					const topic = String(row.topic ?? '').trim();
					if (topic === '') throw itemError(ctx, i, 'topic', 'a consent change has an empty Topic');
					change.consent[topic] = row.granted === true;
				}
				if (Object.keys(change.consent).length === 0) {
					throw itemError(ctx, i, 'consentChanges', 'there are no consent changes');
				}
			} else {
				const channels = String(ctx.getNodeParameter('channels', i, 'all') ?? '')
					.split(',')
					.map((c) => c.trim())
					.filter((c) => c !== '');
				if (channels.length === 0) throw itemError(ctx, i, 'channels', 'Channels is empty (use "all" for every channel)');
				const action = ctx.getNodeParameter('subscriptionAction', i, 'unsubscribe') as string;
				if (action === 'resubscribe') change.resubscribe = channels;
				else change.unsubscribe = channels;
			}
			changes.push(change);
			changeIndex.push(i);
		} catch (error) {
			slots[i] = asItemError(ctx, error, i);
		}
	}
	stopOnBadItem(ctx, slots);
	const states = await store.contacts.update(changes, { ttlSeconds: (options.stateTtlDays ?? DEFAULT_STATE_TTL_DAYS) * 86_400 });
	states.forEach((state, k) => {
		const i = changeIndex[k];
		slots[i] = {
			json: {
				...items[i].json,
				journeyEvent: {
					operation,
					consent: withIsoTimes(state.consent),
					subscriptions: withIsoTimes(state.subscriptions),
					updatedAt: new Date(state.updatedAt).toISOString(),
				} as IDataObject,
			},
			pairedItem: { item: i },
		};
	});
	return slots;
}

async function erase(ctx: IExecuteFunctions, store: JourneyStore, items: INodeExecutionData[]): Promise<Slot[]> {
	const slots: Slot[] = new Array(items.length);
	const ids: string[] = [];
	const idIndex: number[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			ids.push(contactOf(ctx, i));
			idIndex.push(i);
		} catch (error) {
			slots[i] = asItemError(ctx, error, i);
		}
	}
	stopOnBadItem(ctx, slots);
	const outcomes = await store.contacts.erase(ids);
	outcomes.forEach((outcome, k) => {
		const i = idIndex[k];
		slots[i] = {
			json: { ...items[i].json, journeyEvent: { operation: 'erase', erased: true, removedKeys: outcome.removed } },
			pairedItem: { item: i },
		};
	});
	return slots;
}

/** Without Continue On Fail, the first bad item fails the node before anything is written. */
function stopOnBadItem(ctx: IExecuteFunctions, slots: Slot[]): void {
	if (ctx.continueOnFail()) return;
	const bad = slots.find((slot): slot is Error => slot instanceof Error);
	if (bad) throw bad;
}

function contactOf(ctx: IExecuteFunctions, i: number): string {
	const value = ctx.getNodeParameter('contactId', i, '') as unknown;
	const text = value === undefined || value === null ? '' : String(value).trim();
	if (text === '') throw itemError(ctx, i, 'contactId', 'Contact ID is empty');
	return text;
}

/** workflow + execution + node + item: the same when n8n retries this node, so a retry records once. */
function defaultEventId(ctx: IExecuteFunctions, itemIndex: number): string {
	return `${ctx.getWorkflow().id ?? ''}:${ctx.getExecutionId() ?? ''}:${ctx.getNode().name}:${itemIndex}`;
}

/** Decision records keep epoch ms; items show ISO text. */
function withIsoTimes<T extends { at: number }>(records: Record<string, T>): IDataObject {
	const out: IDataObject = {};
	for (const [key, record] of Object.entries(records)) out[key] = { ...record, at: new Date(record.at).toISOString() };
	return out;
}

const FIELD_HINTS: Record<string, string> = {
	id: 'Set "Event ID" to the field that holds a unique event ID, e.g. {{ $json.id }}, or leave it empty for one made from the execution and item.',
	contactId: 'Set "Contact ID" to the field that holds it, e.g. {{ $json.contactId }}.',
	name: 'Type the event\'s name in "Event Name", such as purchase, or map it from the field that holds it, e.g. {{ $json.event }}.',
	properties: 'Give "Properties" an object such as { "cartId": "c-42" }, or leave it empty.',
	occurredAt: 'Use an ISO 8601 date (2026-01-31T09:00:00Z) or epoch milliseconds, or leave it empty for now.',
	topic: 'Give every consent change a Topic such as email, sms or marketing.',
	consentChanges: 'Add at least one consent change.',
	channels: 'List channels such as email, sms, or "all".',
};

function itemError(ctx: IExecuteFunctions, itemIndex: number, field: string, message: string): NodeOperationError {
	const bodyHint = field === 'contactId' ? webhookBodyHint(ctx.getInputData()[itemIndex]?.json, 'contactId', 'Contact ID') : undefined;
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex + 1}: ${message}`, {
		itemIndex,
		description: bodyHint ?? FIELD_HINTS[field] ?? 'Fix the parameter the message names.',
	});
}

function asItemError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof NodeOperationError) return error;
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
}
