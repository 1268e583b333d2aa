/**
 * Event conditions: "did X at least / at most N times in the last T, with property filters".
 * They are leaves whose fact is `eventCount` with params, compared with a number operator:
 *   { fact: 'eventCount', params: { event: 'order_completed', within: '30d' },
 *     operator: 'greaterThanInclusive', value: 3 }
 * "did not" is `equal 0`. The count comes from the contact's events, which the caller fetches
 * from the store (collectEventQueries says which are needed) or supplies as the `__events`
 * field of the contact.
 */
import { toEpochMs, parseIsoParts, isoPartsToEpoch } from './dates';
import { durationCutoff, parseDuration, PerZoneCache, type Duration } from './durations';
import type { ConditionGroup, EvaluationContext } from './types';

/** The fact name of event conditions. */
export const EVENT_COUNT_FACT = 'eventCount';
/** The contact field (runtime fact) that carries the contact's events when the caller supplies them that way. */
export const EVENTS_FACT = '__events';

export interface EventCountParams {
	/** the event name, exactly */
	event: string;
	/** only events in this window before now: { amount, unit } or "7d" */
	within?: unknown;
	/** only events at or after this ISO date or date-time (a date alone: that day's start in the contact's zone) */
	since?: string;
	/** conditions on the event's properties (same operators; facts are paths into `properties`) */
	where?: ConditionGroup;
}

/** An event as the counters read it; the store's events fit this shape. */
export interface EventLike {
	name: string;
	properties?: Record<string, unknown> | null;
	/** ISO string, epoch ms or Date */
	occurredAt: unknown;
}

/** One event count a tree needs; `key` identifies it in `eventCounts`. */
export interface EventCountQuery {
	key: string;
	params: EventCountParams;
}

/** What the caller knows about event facts, for evaluate/explain. */
export interface DynamicFacts {
	/** the contact's events: every event condition is counted from them */
	events?: readonly EventLike[];
	/** counts already made, by EventCountQuery.key; a missing key is "not known" */
	eventCounts?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
}

/** A stable key for event params: the same params written in any key order give the same key. */
export function eventQueryKey(params: unknown): string {
	return stableStringify(params);
}

function stableStringify(value: unknown): string {
	if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
	if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
	const keys = Object.keys(value).sort();
	return `{${keys
		.filter((k) => (value as Record<string, unknown>)[k] !== undefined)
		.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
		.join(',')}}`;
}

/** Event params made ready for counting many contacts' events. */
export interface PreparedEventCount {
	key: string;
	params: EventCountParams;
	event: string;
	/** earliest counted instant per (now, zone); -Infinity when there is no window */
	window: PerZoneCache<number>;
	where: ((properties: unknown, ctx: EvaluationContext) => boolean) | undefined;
}

/**
 * Prepares validated params. `compileWhere` turns the property filter into a predicate; it is
 * passed in by the compiler so that this file does not depend on it.
 */
export function prepareEventCount(
	params: EventCountParams,
	compileWhere: (where: ConditionGroup) => (properties: unknown, ctx: EvaluationContext) => boolean,
): PreparedEventCount {
	const within =
		params.within === undefined ? undefined : (parseDuration(params.within) as Duration);
	const since = params.since === undefined ? undefined : parseIsoParts(params.since);
	const window = new PerZoneCache<number>((now, timezone) => {
		let start = -Infinity;
		if (within) start = durationCutoff(within, now, timezone);
		if (since) start = Math.max(start, isoPartsToEpoch(since, timezone));
		return start;
	});
	return {
		key: eventQueryKey(params),
		params,
		event: params.event,
		window,
		where: params.where ? compileWhere(params.where) : undefined,
	};
}

/**
 * Counts the events that match: the name, occurredAt at or after the window start (no upper
 * bound: an event stamped a little after `now` by another clock still counts), and `where`.
 * An event whose occurredAt is not a date is not counted.
 */
export function countPreparedEvents(
	events: readonly EventLike[],
	query: PreparedEventCount,
	ctx: EvaluationContext,
): number {
	const start = query.window.get(ctx.now, ctx.timezone);
	let count = 0;
	for (let i = 0; i < events.length; i++) {
		const event = events[i];
		if (event === null || typeof event !== 'object' || event.name !== query.event) continue;
		const at = toEpochMs(event.occurredAt, ctx.timezone);
		if (!(at >= start)) continue;
		if (query.where && !query.where(event.properties ?? {}, ctx)) continue;
		count++;
	}
	return count;
}
