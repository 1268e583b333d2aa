/**
 * Does an event satisfy a wait? One function used by all three places that decide it: the
 * resumer (before it posts), the wait's webhook (before it claims) and the wait's look-back
 * (events recorded before the wait started).
 */
import { resolvePath } from '../../rules';
import type { ContactEvent } from '../store/types';
import type { WaitMatchSpec } from '../store/waits';
import { compileEventConditions } from './conditions';

export type EventMatcher = (event: ContactEvent) => boolean;

export type MatchFailure = 'name' | 'contact' | 'since' | 'correlation' | 'conditions';

const compiled = new Map<string, EventMatcher>();
const MAX_CACHED = 500;

/** A matcher for a spec; specs with the same conditions share one compiled evaluator. */
export function compileWaitMatcher(spec: WaitMatchSpec, contactId?: string): EventMatcher {
	const conditions = spec.conditions ? conditionsMatcher(spec.conditions) : undefined;
	return (event) => explainMismatch(spec, event, contactId, conditions) === undefined;
}

/** Why `event` does not satisfy `spec`, or undefined when it does. */
export function explainMismatch(
	spec: WaitMatchSpec,
	event: ContactEvent,
	contactId?: string,
	conditions?: EventMatcher,
): MatchFailure | undefined {
	if (!spec.names.includes(event.name)) return 'name';
	if (contactId !== undefined && event.contactId !== contactId) return 'contact';
	if (event.occurredAt < spec.sinceMs) return 'since';
	if (spec.correlation) {
		const actual = resolvePath(event.properties, spec.correlation.eventPath);
		if (!sameValue(actual, spec.correlation.value)) return 'correlation';
	}
	if (spec.conditions) {
		const check = conditions ?? conditionsMatcher(spec.conditions);
		if (!check(event)) return 'conditions';
	}
	return undefined;
}

/** The earliest event of `events` that satisfies the spec (look-back: the oldest one wins). */
export function firstMatch(spec: WaitMatchSpec, events: ContactEvent[], contactId?: string): ContactEvent | undefined {
	const matcher = compileWaitMatcher(spec, contactId);
	let best: ContactEvent | undefined;
	for (const event of events) if (matcher(event) && (!best || event.occurredAt < best.occurredAt)) best = event;
	return best;
}

/** Correlation values compare as text, so `42` in the item equals `"42"` in the event. */
export function sameValue(actual: unknown, expected: string): boolean {
	if (actual === undefined || actual === null) return false;
	if (typeof actual === 'object') return JSON.stringify(actual) === expected;
	return String(actual) === expected;
}

/** The text form a correlation value is stored in. */
export function correlationText(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function conditionsMatcher(conditions: Record<string, unknown>): EventMatcher {
	const key = JSON.stringify(conditions);
	let matcher = compiled.get(key);
	if (!matcher) {
		const evaluate = compileEventConditions(conditions);
		matcher = (event) => evaluate(event);
		if (compiled.size >= MAX_CACHED) compiled.clear();
		compiled.set(key, matcher);
	}
	return matcher;
}
