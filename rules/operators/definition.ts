/**
 * What an operator is: one definition serves both json-rules-engine (through `evaluate`) and
 * the compiled evaluator (through `prepare` once per condition, then `test` per item), so the
 * two can never disagree about what an operator means.
 */
import type { EvaluationContext } from '../types';
import { parseDuration } from '../durations';
import { parseIsoParts } from '../dates';

/** What the condition's value must be; validation checks it and the builder uses it for its input. */
export type ValueKind =
	| 'none' // ignored: exists, isEmpty ...
	| 'single' // one text, number, true/false or null
	| 'number' // a number
	| 'text' // text (a number is read as text)
	| 'list' // a list of single values
	| 'range' // [min, max]
	| 'duration' // { amount, unit } or "7d"
	| 'date' // an ISO date or date-time
	| 'days' // a whole number of days
	| 'pattern'; // an RE2 pattern, or { pattern, flags }

export type OperatorGroup =
	| 'comparison'
	| 'text'
	| 'list'
	| 'existence'
	| 'number'
	| 'date'
	| 'pattern';

export interface OperatorSpec<P> {
	name: string;
	/** the operator in a marketer's words, for builders and error messages */
	label: string;
	valueKind: ValueKind;
	group: OperatorGroup;
	/** json-rules-engine ships an operator of this name; ours keeps its meaning */
	builtIn?: boolean;
	/**
	 * the value may name another field, `{ "fact": "averageOrderValue" }`, read per contact;
	 * `prepare` then sees whatever that field holds and must never throw
	 */
	factValues?: boolean;
	/** the fact must be a date (checkFactTypes reports facts that are not) */
	readsDate?: boolean;
	/** lists must have at least one entry */
	needsNonEmptyList?: boolean;
	/** checks beyond the value kind; a message when the value does not fit */
	checkValue?(value: unknown): string | undefined;
	/** once per condition: turn the value into what `test` compares with */
	prepare(value: unknown): P;
	/** once per item; never throws, a value it cannot compare is false */
	test(factValue: unknown, prepared: P, ctx: EvaluationContext): boolean;
}

export interface OperatorDefinition<P = unknown> extends Readonly<OperatorSpec<P>> {
	/** the whole check for a condition value: its kind, then the operator's own rules */
	checkValue(value: unknown): string | undefined;
	/** prepare + test in one call, for json-rules-engine (prepared values are cached) */
	evaluate(factValue: unknown, value: unknown, ctx: EvaluationContext): boolean;
}

export function isSingleValue(value: unknown): boolean {
	return (
		value === null ||
		typeof value === 'string' ||
		typeof value === 'boolean' ||
		(typeof value === 'number' && Number.isFinite(value))
	);
}

const MAX_LIST_LENGTH = 10_000;

export function show(value: unknown): string {
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function checkKind(spec: OperatorSpec<unknown>, value: unknown): string | undefined {
	const op = `"${spec.name}"`;
	switch (spec.valueKind) {
		case 'none':
			return undefined;
		case 'single':
			return isSingleValue(value)
				? undefined
				: `${op} needs one value (text, number, true/false or null), got ${show(value)}`;
		case 'number':
			if (typeof value === 'number' && Number.isFinite(value)) return undefined;
			// json-rules-engine compares text with text by alphabet ("9" > "10"): never let text in
			if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
				return `${op} compares numbers: write ${value.trim()} without quotes`;
			return `${op} needs a number, got ${show(value)} (text is not ordered by alphabet here; for dates use "before" or "after")`;
		case 'text':
			return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
				? undefined
				: `${op} needs text, got ${show(value)}`;
		case 'list': {
			if (!Array.isArray(value))
				return `${op} needs a list of values such as ["KR", "JP"], got ${show(value)}`;
			if (spec.needsNonEmptyList && value.length === 0)
				return `${op} needs at least one value in the list`;
			if (value.length > MAX_LIST_LENGTH) return `${op} accepts at most ${MAX_LIST_LENGTH} values`;
			const bad = value.findIndex((v) => !isSingleValue(v));
			return bad === -1
				? undefined
				: `${op}: list entry ${bad} must be text, a number, true/false or null, got ${show(value[bad])}`;
		}
		case 'range': {
			const ok =
				Array.isArray(value) &&
				value.length === 2 &&
				value.every((v) => typeof v === 'number' && Number.isFinite(v));
			if (!ok) return `${op} needs [min, max] (two numbers), got ${show(value)}`;
			const [min, max] = value as [number, number];
			return min <= max ? undefined : `${op} needs min <= max, got [${min}, ${max}]`;
		}
		case 'duration': {
			const parsed = parseDuration(value);
			return typeof parsed === 'string' ? `${op}: ${parsed}` : undefined;
		}
		case 'date':
			return typeof value === 'string' && parseIsoParts(value)
				? undefined
				: `${op} needs an ISO date such as "2024-03-01" or "2024-03-01T09:00:00Z", got ${show(value)}`;
		case 'days':
			return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 366
				? undefined
				: `${op} needs a whole number of days from 1 to 366, got ${show(value)}`;
		case 'pattern':
			return undefined; // the operator compiles it (see regex.ts)
	}
}

/** The `prepare` of operators that compare with the value as it is. */
export function asIs<P>(value: unknown): P {
	return value as P;
}

export function defineOperator<P>(spec: OperatorSpec<P>): OperatorDefinition<P> {
	// json-rules-engine hands us the raw value on every call, and a deep clone of it on every
	// run (RuleResult clones the conditions): keep what prepare made of it, by identity first,
	// then by content, so a list becomes a Set and a cutoff is computed once, not per item
	const byIdentity = new WeakMap<object, P>();
	const primitives = new Map<unknown, P>();
	const objects = new Map<string, P>();
	const fromContent = <K>(cache: Map<K, P>, key: K, value: unknown): P => {
		let p = cache.get(key);
		if (p === undefined && !cache.has(key)) {
			p = spec.prepare(value);
			if (cache.size >= 1000) cache.clear();
			cache.set(key, p);
		}
		return p as P;
	};
	const prepared = (value: unknown): P => {
		if (value === null || typeof value !== 'object') return fromContent(primitives, value, value);
		let p = byIdentity.get(value);
		if (p === undefined) {
			p = fromContent(objects, JSON.stringify(value), value);
			byIdentity.set(value, p);
		}
		return p;
	};
	const extra = spec.checkValue;
	const test = spec.test;
	return Object.freeze({
		...spec,
		checkValue: (value: unknown) =>
			checkKind(spec as OperatorSpec<unknown>, value) ?? extra?.(value),
		// nothing to prepare: hand over the value itself, whose identity `===` may depend on
		evaluate:
			(spec.prepare as unknown) === asIs
				? (factValue: unknown, value: unknown, ctx: EvaluationContext) =>
						test(factValue, value as P, ctx)
				: (factValue: unknown, value: unknown, ctx: EvaluationContext) =>
						test(factValue, prepared(value), ctx),
	});
}
