/**
 * Turning what arrives (a webhook body, an item's fields) into a ContactEvent, with errors that
 * name the field to fix.
 */
import type { ContactEvent } from '../store/types';

export const MAX_EVENT_NAME_LENGTH = 200;
export const MAX_ID_LENGTH = 512;

export interface EventInput {
	id?: unknown;
	contactId?: unknown;
	name?: unknown;
	properties?: unknown;
	occurredAt?: unknown;
}

export type NormalizeResult =
	| { ok: true; event: ContactEvent }
	| { ok: false; field: keyof EventInput; message: string };

/**
 * Validates and normalises one event. `occurredAt` may be epoch ms, epoch seconds, an ISO 8601
 * string or a Date; when absent it is `nowMs`. `fallbackId` is used when the event has no id
 * (the trigger passes `<webhook-id>:<index>`, so a retried delivery deduplicates).
 */
export function normalizeEvent(input: EventInput, nowMs: number, fallbackId?: string): NormalizeResult {
	const id = textOf(input.id) ?? fallbackId;
	if (id === undefined) return { ok: false, field: 'id', message: 'the event has no id (used to deduplicate)' };
	if (id.length > MAX_ID_LENGTH) return { ok: false, field: 'id', message: `the event id is longer than ${MAX_ID_LENGTH} characters` };
	const contactId = textOf(input.contactId);
	if (contactId === undefined) return { ok: false, field: 'contactId', message: 'the event has no contact id' };
	if (contactId.length > MAX_ID_LENGTH)
		return { ok: false, field: 'contactId', message: `the contact id is longer than ${MAX_ID_LENGTH} characters` };
	const name = textOf(input.name);
	if (name === undefined) return { ok: false, field: 'name', message: 'the event has no name (e.g. "purchase")' };
	if (name.length > MAX_EVENT_NAME_LENGTH)
		return { ok: false, field: 'name', message: `the event name is longer than ${MAX_EVENT_NAME_LENGTH} characters` };
	let properties: Record<string, unknown> = {};
	if (input.properties !== undefined && input.properties !== null && input.properties !== '') {
		if (typeof input.properties === 'string') {
			try {
				properties = JSON.parse(input.properties) as Record<string, unknown>;
			} catch {
				return { ok: false, field: 'properties', message: 'the event properties are text that is not JSON' };
			}
		} else properties = input.properties as Record<string, unknown>;
		if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
			return { ok: false, field: 'properties', message: 'the event properties must be an object' };
		}
	}
	const occurredAt = parseTime(input.occurredAt, nowMs);
	if (occurredAt === undefined) {
		return {
			ok: false,
			field: 'occurredAt',
			message: `occurredAt "${String(input.occurredAt)}" is not a date: use ISO 8601 or epoch milliseconds`,
		};
	}
	return { ok: true, event: { id, contactId, name, properties, occurredAt } };
}

/** epoch ms from ms, seconds, ISO text or a Date; `nowMs` when empty; undefined when unreadable. */
export function parseTime(value: unknown, nowMs: number): number | undefined {
	if (value === undefined || value === null || value === '') return nowMs;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) return undefined;
		// below 1e11 it is seconds (1e11 s is the year 5138; 1e11 ms is 1973)
		return Math.round(value < 1e11 ? value * 1000 : value);
	}
	if (typeof value === 'string') {
		const trimmed = value.trim();
		if (/^\d+(\.\d+)?$/.test(trimmed)) return parseTime(Number(trimmed), nowMs);
		const parsed = Date.parse(trimmed);
		return Number.isNaN(parsed) ? undefined : parsed;
	}
	// luxon DateTime and the like
	const millis = (value as { toMillis?: () => number }).toMillis;
	if (typeof millis === 'function') return millis.call(value);
	return undefined;
}

/** The event as a journey item carries it (`$json.event`). */
export function eventToJson(event: ContactEvent): Record<string, unknown> {
	return {
		id: event.id,
		contactId: event.contactId,
		name: event.name,
		properties: event.properties,
		occurredAt: new Date(event.occurredAt).toISOString(),
	};
}

function textOf(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value !== 'string') return undefined;
	const trimmed = value.trim();
	return trimmed === '' ? undefined : trimmed;
}
