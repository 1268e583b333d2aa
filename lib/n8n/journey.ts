import { createHash } from 'node:crypto';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/**
 * The journey context Journey Entry adds to an item: `journey: { name, entryId, enteredAt, key }`.
 * `entryId` names one contact's pass through one journey and is the same when n8n retries the
 * execution, so what other nodes key on it (message keys, "since journey entry") survives a
 * retry. Nodes without it on their items fall back to the execution.
 */
export interface JourneyContext {
	name: string;
	entryId: string;
	/** epoch ms */
	enteredAt?: number;
	key: string | null;
}

/** The journey context of an item, when a Journey Entry upstream entered it; undefined otherwise. */
export function journeyContextOf(json: IDataObject | undefined): JourneyContext | undefined {
	const journey = json?.journey as IDataObject | undefined;
	if (!journey || typeof journey !== 'object') return undefined;
	const entryId = journey.entryId;
	if ((typeof entryId !== 'string' && typeof entryId !== 'number') || String(entryId) === '') return undefined;
	const at = journey.enteredAt;
	const enteredAt = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
	return {
		name: String(journey.name ?? ''),
		entryId: String(entryId),
		enteredAt: Number.isFinite(enteredAt) ? enteredAt : undefined,
		key: journey.key === undefined || journey.key === null || journey.key === '' ? null : String(journey.key),
	};
}

/** The "Journey Name" parameter; empty means the workflow's name, as on Journey Entry. */
export function journeyNameParameter(ctx: IExecuteFunctions, itemIndex: number): string {
	const value = ctx.getNodeParameter('journeyName', itemIndex, '') as unknown;
	const text = value === undefined || value === null ? '' : String(value).trim();
	return text || String(ctx.getWorkflow().name ?? '').trim();
}

/**
 * The default entry ID of an item: the event's id when the item is an event from the Journey
 * Event Trigger or Journey Event (it carries `journeyEvent`), else a digest of the journey,
 * contact, entry key and the item as it arrived. n8n's Retry replays the same input, so both
 * give the same id on a retry; a sender re-posting the very same input is the same entry too.
 */
export function defaultEntryId(json: IDataObject, journey: string, contactId: string, key: string): string {
	const id = json.id;
	if (json.journeyEvent && (typeof id === 'string' || typeof id === 'number') && String(id) !== '') return String(id);
	const digest = createHash('sha256').update(stableJson({ journey, contactId, key, input: json })).digest('base64url');
	return `entry-${digest.slice(0, 24)}`;
}

/** JSON with object keys sorted, so equal data gives equal text whatever the key order. */
function stableJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.keys(value as object)
			.sort()
			.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}
