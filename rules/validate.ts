/**
 * Validation of condition trees and rules. Every problem is reported (not just the first), each
 * with the path of the offending part, e.g.
 *   conditions.all[2].operator: unknown operator "cotains" (did you mean "stringContains" or "contains"?)
 * so a node can show the marketer exactly what to change. Beyond json-rules-engine's own shape
 * rules this refuses what we never run: JSONPath (`path`, in a condition or in a value that
 * names another field), references to named conditions, unsafe field paths, patterns RE2
 * cannot run in linear time, trees nested deeper than MAX_DEPTH, and values json-rules-engine
 * would compare in surprising ways (text for a number comparison, a non-list for "in").
 */
import { parseIsoParts } from './dates';
import { parseDuration } from './durations';
import { EVENT_COUNT_FACT, EVENTS_FACT } from './events';
import { checkFactPath } from './factPath';
import { EVENT_COUNT_OPERATORS, getOperator, operatorNames, OPERATORS } from './operators';
import { show } from './operators/definition';
import { closestNames, didYouMean } from './suggest';
import type { ValidationError } from './types';

export const MAX_DEPTH = 32;

export interface ValidateOptions {
	/** prefix of every error path; default "conditions" */
	path?: string;
	/** deepest nesting accepted (the root group is level 1); default 32 */
	maxDepth?: number;
	/** allow `eventCount` conditions; default true (false inside an event's own `where`) */
	allowEventConditions?: boolean;
}

/** Thrown by the functions that need a valid tree (compile, createEngine); carries every error. */
export class RulesValidationError extends Error {
	constructor(readonly errors: readonly ValidationError[]) {
		super(formatErrors(errors));
		this.name = 'RulesValidationError';
	}
}

/** "path: message; path: message" */
export function formatErrors(errors: readonly ValidationError[]): string {
	return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
}

const hasOwn = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);
const GROUP_KEYS = ['all', 'any', 'not'] as const;
const GROUP_PROPERTIES = ['all', 'any', 'not', 'name', 'priority'];
const LEAF_PROPERTIES = ['fact', 'operator', 'value', 'params', 'name', 'priority'];
const EVENT_PARAMS = ['event', 'within', 'since', 'where'];
const RULE_PROPERTIES = ['conditions', 'event', 'name', 'priority'];

/** Names from other tools people type; mapped to ours for the "did you mean". */
const OPERATOR_ALIASES: Record<string, string> = {
	eq: 'equal',
	equals: 'equal',
	ne: 'notEqual',
	neq: 'notEqual',
	gt: 'greaterThan',
	gte: 'greaterThanInclusive',
	lt: 'lessThan',
	lte: 'lessThanInclusive',
	includes: 'stringContains',
	notcontains: 'stringDoesNotContain',
	regex: 'matchesRegex',
	matches: 'matchesRegex',
	oneof: 'isIn',
	notoneof: 'isNotIn',
	empty: 'isEmpty',
	notempty: 'isNotEmpty',
};
/** A typo of the list operators most likely meant the text one: suggest it first. */
const TEXT_FIRST: Record<string, string> = {
	contains: 'stringContains',
	doesNotContain: 'stringDoesNotContain',
};

function isObject(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function operatorSuggestion(name: string): string {
	const alias = OPERATOR_ALIASES[name.toLowerCase()];
	if (alias && hasOwn(OPERATOR_ALIASES, name.toLowerCase())) return didYouMean([alias]);
	const names = closestNames(name, operatorNames());
	const expanded: string[] = [];
	for (const n of names) {
		const text = TEXT_FIRST[n];
		if (text && !expanded.includes(text)) expanded.push(text);
		if (!expanded.includes(n)) expanded.push(n);
	}
	return didYouMean(expanded);
}

interface Walk {
	errors: ValidationError[];
	maxDepth: number;
}

function unknownProperties(
	node: Record<string, unknown>,
	allowed: readonly string[],
	path: string,
	walk: Walk,
	reported: readonly string[],
) {
	for (const key of Object.keys(node)) {
		if (allowed.includes(key) || reported.includes(key)) continue;
		walk.errors.push({
			path: `${path}.${key}`,
			message: `unknown property "${key}"${didYouMean(closestNames(key, allowed))}`,
		});
	}
}

function checkNameAndPriority(node: Record<string, unknown>, path: string, walk: Walk) {
	if (hasOwn(node, 'name') && typeof node.name !== 'string') {
		walk.errors.push({
			path: `${path}.name`,
			message: `a name must be text, got ${show(node.name)}`,
		});
	}
	if (hasOwn(node, 'priority')) {
		const p = node.priority;
		if (typeof p !== 'number' || !Number.isInteger(p) || p < 1) {
			walk.errors.push({
				path: `${path}.priority`,
				message: `priority must be a whole number of at least 1, got ${show(p)}`,
			});
		}
	}
}

function validateNode(
	node: unknown,
	path: string,
	depth: number,
	walk: Walk,
	events: boolean,
	isRoot: boolean,
): void {
	if (depth > walk.maxDepth) {
		walk.errors.push({
			path,
			message: `conditions are nested more than ${walk.maxDepth} levels deep`,
		});
		return;
	}
	if (!isObject(node)) {
		walk.errors.push({
			path,
			message: `a condition must be an object such as { "fact": "email", "operator": "endsWith", "value": "@example.com" } or a group { "all": [...] }, got ${show(node)}`,
		});
		return;
	}
	if (hasOwn(node, 'condition')) {
		walk.errors.push({
			path: `${path}.condition`,
			message: 'references to named conditions are not supported: write the conditions in place',
		});
	}
	const groups = GROUP_KEYS.filter((k) => hasOwn(node, k));
	if (groups.length > 1) {
		walk.errors.push({
			path,
			message: `a group has exactly one of "all", "any" or "not", found ${groups.map((g) => `"${g}"`).join(' and ')}: nest one group inside the other`,
		});
		return;
	}
	if (groups.length === 1) {
		const key = groups[0];
		if (hasOwn(node, 'fact') || hasOwn(node, 'operator')) {
			walk.errors.push({
				path,
				message: `a group ("${key}") cannot also be a condition ("fact"/"operator"): put the condition inside the group`,
			});
		}
		const allowed = GROUP_PROPERTIES.filter((k) => !GROUP_KEYS.includes(k as never) || k === key);
		unknownProperties(node, allowed, path, walk, ['condition']);
		checkNameAndPriority(node, path, walk);
		const children = node[key];
		if (key === 'not') {
			if (!isObject(children)) {
				walk.errors.push({
					path: `${path}.not`,
					message: `"not" takes one condition or group (an object, not a list), got ${show(children)}`,
				});
				return;
			}
			validateNode(children, `${path}.not`, depth + 1, walk, events, false);
			return;
		}
		if (!Array.isArray(children)) {
			walk.errors.push({
				path: `${path}.${key}`,
				message: `"${key}" takes a list of conditions, got ${show(children)}`,
			});
			return;
		}
		children.forEach((child, i) =>
			validateNode(child, `${path}.${key}[${i}]`, depth + 1, walk, events, false),
		);
		return;
	}
	if (isRoot) {
		walk.errors.push({
			path,
			message:
				'the top level must be a group: { "all": [...] }, { "any": [...] } or { "not": {...} }',
		});
	}
	validateLeaf(node, path, depth, walk, events);
}

function validateLeaf(
	node: Record<string, unknown>,
	path: string,
	depth: number,
	walk: Walk,
	events: boolean,
): void {
	const errors = walk.errors;
	unknownProperties(node, LEAF_PROPERTIES, path, walk, ['condition', 'path']);
	checkNameAndPriority(node, path, walk);
	if (hasOwn(node, 'path')) {
		errors.push({
			path: `${path}.path`,
			message: `"path" (JSONPath) is not supported: name the field with a dotted fact instead, e.g. "fact": "address.country"`,
		});
	}
	const fact = node.fact;
	if (!hasOwn(node, 'fact')) {
		errors.push({
			path: `${path}.fact`,
			message: 'missing "fact" (the field to test, e.g. "email" or "address.country")',
		});
	} else {
		const problem = checkFactPath(fact);
		if (problem) errors.push({ path: `${path}.fact`, message: problem });
	}
	const isEvent = fact === EVENT_COUNT_FACT;
	const operator = node.operator;
	let definition = undefined as ReturnType<typeof getOperator>;
	if (!hasOwn(node, 'operator')) {
		errors.push({
			path: `${path}.operator`,
			message: 'missing "operator" (e.g. "equal", "stringContains", "withinLast")',
		});
	} else if (typeof operator !== 'string') {
		errors.push({
			path: `${path}.operator`,
			message: `an operator must be text, got ${show(operator)}`,
		});
	} else {
		definition = getOperator(operator);
		if (!definition) {
			const decorated = operator.includes(':');
			errors.push({
				path: `${path}.operator`,
				message: decorated
					? `operator decorators ("${operator}") are not supported: use containsAny / containsAll or a group`
					: `unknown operator "${operator}"${operatorSuggestion(operator)}`,
			});
		} else if (isEvent && !EVENT_COUNT_OPERATORS.has(operator)) {
			errors.push({
				path: `${path}.operator`,
				message: `an event count is a number: use one of ${[...EVENT_COUNT_OPERATORS].join(', ')}, not "${operator}"`,
			});
			definition = undefined;
		}
	}
	const value = node.value;
	if (isFactReference(value)) {
		validateFactReference(value, definition, isEvent, `${path}.value`, walk);
	} else if (definition) {
		if (definition.valueKind !== 'none' && !hasOwn(node, 'value')) {
			errors.push({ path: `${path}.value`, message: `"${definition.name}" needs a value` });
		} else if (isEvent) {
			const ok =
				definition.valueKind === 'range'
					? definition.checkValue(value) === undefined &&
						(value as number[]).every((v) => Number.isInteger(v) && v >= 0)
					: typeof value === 'number' && Number.isFinite(value) && value >= 0;
			if (!ok) {
				errors.push({
					path: `${path}.value`,
					message:
						definition.valueKind === 'range'
							? `"between" needs [min, max] event counts (whole numbers of at least 0), got ${show(value)}`
							: `an event count is compared with a number of at least 0, got ${show(value)}`,
				});
			}
		} else {
			const problem = definition.checkValue(value);
			if (problem) errors.push({ path: `${path}.value`, message: problem });
		}
	}
	if (isEvent) {
		if (!events) {
			errors.push({
				path: `${path}.fact`,
				message: 'event conditions (eventCount) cannot be used here',
			});
		} else {
			validateEventParams(node.params, `${path}.params`, depth, walk);
		}
	} else if (hasOwn(node, 'params')) {
		errors.push({
			path: `${path}.params`,
			message: `"params" is only used with the "${EVENT_COUNT_FACT}" fact`,
		});
	}
}

/** json-rules-engine reads an object value with a "fact" property as another fact's value. */
export function isFactReference(value: unknown): value is { fact: unknown } {
	return isObject(value) && hasOwn(value, 'fact');
}

const FACT_VALUE_OPERATORS = OPERATORS.filter((op) => op.factValues).map((op) => op.name);

function validateFactReference(
	value: Record<string, unknown>,
	definition: ReturnType<typeof getOperator>,
	isEvent: boolean,
	path: string,
	walk: Walk,
): void {
	const errors = walk.errors;
	if (isEvent) {
		errors.push({ path, message: 'an event count is compared with a fixed number, not another field' });
	} else if (definition && !definition.factValues) {
		errors.push({
			path,
			message: `"${definition.name}" compares with a fixed value; comparing with another field ({ "fact": ... }) works with ${FACT_VALUE_OPERATORS.join(', ')}`,
		});
	}
	for (const key of Object.keys(value)) {
		if (key === 'fact') continue;
		errors.push({
			path: `${path}.${key}`,
			message:
				key === 'path'
					? '"path" (JSONPath) is not supported: name the field with a dotted fact instead, e.g. { "fact": "stats.averageOrderValue" }'
					: key === 'params'
						? '"params" is not supported in a value that names another field'
						: `unknown property "${key}": a value naming another field is { "fact": "averageOrderValue" }`,
		});
	}
	const problem = checkFactPath(value.fact);
	if (problem) errors.push({ path: `${path}.fact`, message: problem });
	else if (value.fact === EVENT_COUNT_FACT || value.fact === EVENTS_FACT)
		errors.push({
			path: `${path}.fact`,
			message: `"${value.fact}" cannot be compared with: name a field of the contact`,
		});
}

function validateEventParams(params: unknown, path: string, depth: number, walk: Walk): void {
	const errors = walk.errors;
	if (!isObject(params)) {
		errors.push({
			path,
			message: `an event condition needs params such as { "event": "order_completed", "within": "30d" }, got ${show(params)}`,
		});
		return;
	}
	for (const key of Object.keys(params)) {
		if (!EVENT_PARAMS.includes(key)) {
			errors.push({
				path: `${path}.${key}`,
				message: `unknown event parameter "${key}"${didYouMean(closestNames(key, EVENT_PARAMS))}`,
			});
		}
	}
	if (typeof params.event !== 'string' || params.event === '') {
		errors.push({
			path: `${path}.event`,
			message: `the event name is needed (text such as "order_completed"), got ${show(params.event)}`,
		});
	}
	if (params.within !== undefined) {
		const duration = parseDuration(params.within);
		if (typeof duration === 'string') errors.push({ path: `${path}.within`, message: duration });
	}
	if (
		params.since !== undefined &&
		!(typeof params.since === 'string' && parseIsoParts(params.since))
	) {
		errors.push({
			path: `${path}.since`,
			message: `"since" needs an ISO date such as "2024-03-01" or "2024-03-01T09:00:00Z", got ${show(params.since)}`,
		});
	}
	if (params.where !== undefined)
		validateNode(params.where, `${path}.where`, depth + 1, walk, false, true);
}

/** Every problem of a condition tree; [] when it is valid. */
export function validateConditions(
	tree: unknown,
	options: ValidateOptions = {},
): ValidationError[] {
	const walk: Walk = { errors: [], maxDepth: options.maxDepth ?? MAX_DEPTH };
	validateNode(
		tree,
		options.path ?? 'conditions',
		1,
		walk,
		options.allowEventConditions ?? true,
		true,
	);
	return walk.errors;
}

/** Every problem of a json-rules-engine rule ({ conditions, event, name?, priority? }). */
export function validateRule(
	rule: unknown,
	options: Omit<ValidateOptions, 'path'> = {},
): ValidationError[] {
	if (!isObject(rule)) {
		return [
			{
				path: 'rule',
				message: `a rule must be an object { "conditions": {...}, "event": { "type": "..." } }, got ${show(rule)}`,
			},
		];
	}
	const walk: Walk = { errors: [], maxDepth: options.maxDepth ?? MAX_DEPTH };
	for (const key of Object.keys(rule)) {
		if (!RULE_PROPERTIES.includes(key)) {
			walk.errors.push({
				path: key,
				message: `unknown rule property "${key}"${didYouMean(closestNames(key, RULE_PROPERTIES))}`,
			});
		}
	}
	if (!hasOwn(rule, 'conditions')) {
		walk.errors.push({ path: 'conditions', message: 'missing "conditions"' });
	} else {
		validateNode(
			rule.conditions,
			'conditions',
			1,
			walk,
			options.allowEventConditions ?? true,
			true,
		);
	}
	const event = rule.event;
	if (!isObject(event)) {
		walk.errors.push({
			path: 'event',
			message: `missing "event": write { "type": "matched" }, got ${show(event)}`,
		});
	} else {
		if (typeof event.type !== 'string' || event.type === '') {
			walk.errors.push({
				path: 'event.type',
				message: `the event type is needed (text), got ${show(event.type)}`,
			});
		}
		if (event.params !== undefined && !isObject(event.params)) {
			walk.errors.push({
				path: 'event.params',
				message: `event params must be an object, got ${show(event.params)}`,
			});
		}
	}
	checkNameAndPriority(rule, '', walk);
	for (const e of walk.errors) if (e.path.startsWith('.')) e.path = e.path.slice(1);
	return walk.errors;
}

export function assertValidConditions(tree: unknown, options?: ValidateOptions): void {
	const errors = validateConditions(tree, options);
	if (errors.length > 0) throw new RulesValidationError(errors);
}

export function assertValidRule(rule: unknown, options?: Omit<ValidateOptions, 'path'>): void {
	const errors = validateRule(rule, options);
	if (errors.length > 0) throw new RulesValidationError(errors);
}

/** Where and why JSON text is malformed; line and column count from 1. */
export interface JsonSyntaxProblem {
	line: number;
	column: number;
	message: string;
}

export type ParseRulesResult =
	| { ok: true; value: unknown }
	| { ok: false; error: JsonSyntaxProblem };

/** JSON.parse with the position of a syntax error as line and column. */
export function parseRulesJson(text: string): ParseRulesResult {
	if (typeof text !== 'string' || text.trim() === '') {
		return { ok: false, error: { line: 1, column: 1, message: 'the rules JSON is empty' } };
	}
	try {
		return { ok: true, value: JSON.parse(text) };
	} catch (error) {
		const raw = String((error as Error)?.message ?? error);
		const lineCol = /\(line (\d+) column (\d+)\)/.exec(raw);
		const position = /at position (\d+)/.exec(raw);
		let line: number;
		let column: number;
		if (lineCol) {
			line = Number(lineCol[1]);
			column = Number(lineCol[2]);
		} else {
			const offset = position ? Number(position[1]) : text.length;
			const before = text.slice(0, offset).split('\n');
			line = before.length;
			column = before[before.length - 1].length + 1;
		}
		const reason = raw
			.replace(/\s*\(line \d+ column \d+\)/, '')
			.replace(/,? ?(?:in JSON )?at position \d+/, '')
			.replace(/ in JSON$/, '')
			.trim();
		return {
			ok: false,
			error: {
				line,
				column,
				message: `malformed JSON at line ${line}, column ${column}: ${reason}`,
			},
		};
	}
}

/** Every problem of eventCount params on their own (for countMatchingEvents); paths start at `params`. */
export function validateEventCountParams(
	params: unknown,
	options: Omit<ValidateOptions, 'allowEventConditions'> = {},
): ValidationError[] {
	const walk: Walk = { errors: [], maxDepth: options.maxDepth ?? MAX_DEPTH };
	validateEventParams(params, options.path ?? 'params', 1, walk);
	return walk.errors;
}
