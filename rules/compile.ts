/**
 * The compiled evaluator: a condition tree becomes a tree of closures, once, and then answers
 * per item without promises, almanacs or re-reading the rule. Everything that depends only on
 * the rule (split field paths, Sets of listed values, lower-cased text, RE2 programs, parsed
 * durations and dates) is prepared here; what depends on (now, zone) is cached per zone by the
 * operators. It gives the same answer as createEngine, because both use the one operator table,
 * and, for json-rules-engine's own operators, the same answer as a plain json-rules-engine
 * Engine (the differential test holds both against one on generated trees and contacts).
 *
 * Event conditions (`eventCount`) need data from the store. `evaluate` is three-valued: it
 * returns undefined when the answer depends on an event count it was not given, and decides
 * without it whenever it can (an `all` with a false attribute condition is false). Groups test
 * their attribute conditions first so event counts are only made when they matter.
 *
 * A date condition on a field that holds no date is false, never an error, in both paths. To
 * report such data (the Segment Filter's "fact `lastSeenAt` of item 3 is not a date: "abc""),
 * call `checkFactTypes`, a separate, cheap pass over the tree's date conditions, rather than a
 * strict mode that would make the two paths differ.
 */
import { requireZone } from './context';
import { isDateValue } from './dates';
import {
	countPreparedEvents,
	EVENT_COUNT_FACT,
	EVENTS_FACT,
	eventQueryKey,
	prepareEventCount,
	type DynamicFacts,
	type EventCountParams,
	type EventCountQuery,
	type EventLike,
	type PreparedEventCount,
} from './events';
import { makeFactReader, readOwn } from './factPath';
import { getOperator, type OperatorDefinition } from './operators';
import { show } from './operators/definition';
import {
	assertValidConditions,
	isFactReference,
	RulesValidationError,
	validateEventCountParams,
} from './validate';
import type { ConditionGroup, ConditionLeaf, ConditionNode, EvaluationContext } from './types';

export interface CompileOptions {
	/** prefix of the paths in errors and explanations; default "conditions" */
	path?: string;
	/** allow eventCount conditions; default true */
	allowEventConditions?: boolean;
}

/** A leaf condition that made the tree fail, for the "add failed conditions" option. */
export interface FailedCondition {
	path: string;
	fact: string;
	operator: string;
	value: unknown;
	params?: Record<string, unknown>;
	/** what the contact had (for an event condition: the count) */
	factValue: unknown;
}

export interface Explanation {
	matched: boolean | undefined;
	/** empty when matched; the leaves that decided the "no" otherwise */
	failed: FailedCondition[];
}

/** A date condition whose field holds something that is not a date. */
export interface FactTypeProblem {
	path: string;
	fact: string;
	factValue: unknown;
	message: string;
}

export interface CompiledConditions {
	/** true / false; throws when the answer needs an event count that was not supplied */
	(contact: unknown, ctx?: EvaluationContext, dynamicFacts?: DynamicFacts): boolean;
	/** true / false, or undefined when it depends on an event count that was not supplied */
	evaluate(
		contact: unknown,
		ctx?: EvaluationContext,
		dynamicFacts?: DynamicFacts,
	): boolean | undefined;
	explain(contact: unknown, ctx?: EvaluationContext, dynamicFacts?: DynamicFacts): Explanation;
	/** date conditions whose field is present but not a date; `subject` goes into the message ("item 3") */
	checkFactTypes(contact: unknown, subject?: string): FactTypeProblem[];
	readonly attributeOnly: boolean;
	readonly eventQueries: readonly EventCountQuery[];
}

type BoolFn = (contact: unknown, ctx: EvaluationContext) => boolean;
type TriFn = (
	contact: unknown,
	ctx: EvaluationContext,
	dynamic: DynamicFacts | undefined,
) => boolean | undefined;

interface Leaf {
	source: ConditionLeaf;
	read: (contact: unknown) => unknown;
	operator: OperatorDefinition;
	event: PreparedEventCount | undefined;
}

interface Node {
	kind: 'all' | 'any' | 'not' | 'leaf';
	path: string;
	dynamic: boolean;
	children: Node[];
	leaf: Leaf | undefined;
	bool: BoolFn;
	tri: TriFn;
	/** the value the leaf compared (for explain) */
	factValue: (
		contact: unknown,
		ctx: EvaluationContext,
		dynamic: DynamicFacts | undefined,
	) => unknown;
}

const hasOwn = Object.prototype.hasOwnProperty;
const NO_PROBLEMS: FactTypeProblem[] = [];
const dynamicOnly: BoolFn = () => {
	throw new Error('internal: boolean evaluation of an event condition');
};
const noValue = () => undefined;

function isGroup(node: ConditionNode): node is ConditionGroup {
	return hasOwn.call(node, 'all') || hasOwn.call(node, 'any') || hasOwn.call(node, 'not');
}

/** The event count for a prepared query: given counts first, then given events, then the contact's `__events`. */
function eventCountOf(
	contact: unknown,
	ctx: EvaluationContext,
	dynamic: DynamicFacts | undefined,
	query: PreparedEventCount,
): number | undefined {
	const counts = dynamic?.eventCounts;
	if (counts !== undefined) {
		const n =
			counts instanceof Map
				? counts.get(query.key)
				: hasOwn.call(counts, query.key)
					? (counts as Record<string, number>)[query.key]
					: undefined;
		if (typeof n === 'number') return n;
	}
	const events = dynamic?.events ?? readOwn(contact, EVENTS_FACT);
	if (Array.isArray(events)) return countPreparedEvents(events as EventLike[], query, ctx);
	return undefined;
}

function compileLeaf(source: ConditionLeaf, path: string): Node {
	const operator = getOperator(source.operator)!;
	const prepared = isFactReference(source.value) ? undefined : operator.prepare(source.value);
	const test = operator.test;
	if (source.fact === EVENT_COUNT_FACT) {
		const event = prepareEventCount(source.params as unknown as EventCountParams, compileWhere);
		const count = (contact: unknown, ctx: EvaluationContext, dynamic: DynamicFacts | undefined) =>
			eventCountOf(contact, ctx, dynamic, event);
		return {
			kind: 'leaf',
			path,
			dynamic: true,
			children: [],
			leaf: { source, read: noValue, operator, event },
			bool: dynamicOnly,
			tri: (contact, ctx, dynamic) => {
				const n = count(contact, ctx, dynamic);
				return n === undefined ? undefined : test(n, prepared, ctx);
			},
			factValue: count,
		};
	}
	const read = makeFactReader(source.fact);
	let bool: BoolFn = (contact, ctx) => test(read(contact), prepared, ctx);
	if (isFactReference(source.value)) {
		// fact-to-fact: the value is another field of the same contact, prepared per contact
		const readValue = makeFactReader(source.value.fact as string);
		const prepare = operator.prepare;
		bool = (contact, ctx) => test(read(contact), prepare(readValue(contact)), ctx);
	}
	return {
		kind: 'leaf',
		path,
		dynamic: false,
		children: [],
		leaf: { source, read, operator, event: undefined },
		bool,
		tri: bool,
		factValue: (contact) => read(contact),
	};
}

function allOf(fns: BoolFn[]): BoolFn {
	switch (fns.length) {
		case 0:
			return () => true; // json-rules-engine: an empty group passes
		case 1:
			return fns[0];
		case 2: {
			const [a, b] = fns;
			return (c, x) => a(c, x) && b(c, x);
		}
		case 3: {
			const [a, b, d] = fns;
			return (c, x) => a(c, x) && b(c, x) && d(c, x);
		}
		default:
			return (c, x) => {
				for (let i = 0; i < fns.length; i++) if (!fns[i](c, x)) return false;
				return true;
			};
	}
}

function anyOf(fns: BoolFn[]): BoolFn {
	switch (fns.length) {
		case 0:
			return () => true; // json-rules-engine: an empty group passes, "any" included
		case 1:
			return fns[0];
		case 2: {
			const [a, b] = fns;
			return (c, x) => a(c, x) || b(c, x);
		}
		case 3: {
			const [a, b, d] = fns;
			return (c, x) => a(c, x) || b(c, x) || d(c, x);
		}
		default:
			return (c, x) => {
				for (let i = 0; i < fns.length; i++) if (fns[i](c, x)) return true;
				return false;
			};
	}
}

function compileNode(node: ConditionNode, path: string): Node {
	if (!isGroup(node)) return compileLeaf(node, path);
	if (hasOwn.call(node, 'not')) {
		const child = compileNode((node as { not: ConditionNode }).not, `${path}.not`);
		const { bool, tri } = child;
		return {
			kind: 'not',
			path,
			dynamic: child.dynamic,
			children: [child],
			leaf: undefined,
			bool: child.dynamic ? dynamicOnly : (c, x) => !bool(c, x),
			tri: child.dynamic
				? (c, x, d) => {
						const r = tri(c, x, d);
						return r === undefined ? undefined : !r;
					}
				: (c, x) => !bool(c, x),
			factValue: noValue,
		};
	}
	const kind = hasOwn.call(node, 'any') ? 'any' : 'all';
	const list = (node as unknown as Record<string, ConditionNode[]>)[kind];
	const children = list.map((child, i) => compileNode(child, `${path}.${kind}[${i}]`));
	const dynamic = children.some((c) => c.dynamic);
	if (!dynamic) {
		const bool =
			kind === 'all' ? allOf(children.map((c) => c.bool)) : anyOf(children.map((c) => c.bool));
		return { kind, path, dynamic, children, leaf: undefined, bool, tri: bool, factValue: noValue };
	}
	// cheap attribute conditions first: they often decide without an event count
	const ordered = [...children.filter((c) => !c.dynamic), ...children.filter((c) => c.dynamic)].map(
		(c) => c.tri,
	);
	const decisive = kind === 'all' ? false : true;
	const tri: TriFn = (c, x, d) => {
		let unknown = false;
		for (let i = 0; i < ordered.length; i++) {
			const r = ordered[i](c, x, d);
			if (r === decisive) return decisive;
			if (r === undefined) unknown = true;
		}
		return unknown ? undefined : !decisive;
	};
	return {
		kind,
		path,
		dynamic,
		children,
		leaf: undefined,
		bool: dynamicOnly,
		tri,
		factValue: noValue,
	};
}

function compileWhere(
	where: ConditionGroup,
): (properties: unknown, ctx: EvaluationContext) => boolean {
	return compileNode(where, 'where').bool;
}

function defaultContext(): EvaluationContext {
	return { now: Date.now(), timezone: 'UTC' };
}

function explainNode(
	node: Node,
	contact: unknown,
	ctx: EvaluationContext,
	dynamic: DynamicFacts | undefined,
	want: boolean,
	out: FailedCondition[],
): void {
	if (node.kind === 'leaf') {
		const source = node.leaf!.source;
		const failed: FailedCondition = {
			path: node.path,
			fact: source.fact,
			operator: source.operator,
			value: source.value,
			factValue: node.factValue(contact, ctx, dynamic),
		};
		if (source.params !== undefined) failed.params = source.params;
		out.push(failed);
		return;
	}
	if (node.kind === 'not') {
		explainNode(node.children[0], contact, ctx, dynamic, !want, out);
		return;
	}
	// for "all" wanted true (or "any" wanted false) the culprits are the children that went the
	// other way; for "any" wanted true (or "all" wanted false) every child went the other way
	for (const child of node.children) {
		const r = child.tri(contact, ctx, dynamic);
		if (r !== undefined && r !== want) explainNode(child, contact, ctx, dynamic, want, out);
	}
}

function walkLeaves(node: Node, visit: (node: Node) => void): void {
	if (node.kind === 'leaf') visit(node);
	else for (const child of node.children) walkLeaves(child, visit);
}

/**
 * Compiles a condition tree (validated first: an invalid tree throws RulesValidationError with
 * every error) into a function `(contact, ctx) => boolean` with evaluate / explain /
 * checkFactTypes beside it.
 */
export function compileConditions(tree: unknown, options: CompileOptions = {}): CompiledConditions {
	const prefix = options.path ?? 'conditions';
	assertValidConditions(tree, { path: prefix, allowEventConditions: options.allowEventConditions });
	const root = compileNode(tree as ConditionGroup, prefix);
	const attributeOnly = !root.dynamic;
	const eventQueries: EventCountQuery[] = [];
	const dateLeaves: Node[] = [];
	walkLeaves(root, (leaf) => {
		const { event, operator } = leaf.leaf!;
		if (event && !eventQueries.some((q) => q.key === event.key))
			eventQueries.push({ key: event.key, params: event.params });
		if (!event && operator.readsDate) dateLeaves.push(leaf);
	});

	// the zone is checked when it changes, not per item
	let checkedZone: string | undefined;
	const context = (ctx: EvaluationContext | undefined): EvaluationContext => {
		const c = ctx ?? defaultContext();
		if (c.timezone !== checkedZone) {
			requireZone(c.timezone);
			checkedZone = c.timezone;
		}
		return c;
	};
	const { bool, tri } = root;
	const evaluate = attributeOnly
		? (contact: unknown, ctx?: EvaluationContext) => bool(contact, context(ctx))
		: (contact: unknown, ctx?: EvaluationContext, dynamic?: DynamicFacts) =>
				tri(contact, context(ctx), dynamic);
	const run = attributeOnly
		? evaluate
		: (contact: unknown, ctx?: EvaluationContext, dynamic?: DynamicFacts) => {
				const r = tri(contact, context(ctx), dynamic);
				if (r === undefined) {
					throw new Error(
						`the conditions need event counts that were not supplied (${eventQueries.map((q) => q.params.event).join(', ')}): pass the contact's events or counts, or use evaluate()`,
					);
				}
				return r;
			};

	const compiled = run as CompiledConditions;
	Object.defineProperties(compiled, {
		evaluate: { value: evaluate },
		explain: {
			value: (contact: unknown, ctx?: EvaluationContext, dynamic?: DynamicFacts): Explanation => {
				const c = context(ctx);
				const matched = tri(contact, c, dynamic);
				const failed: FailedCondition[] = [];
				if (matched === false) explainNode(root, contact, c, dynamic, true, failed);
				return { matched, failed };
			},
		},
		checkFactTypes: {
			value: (contact: unknown, subject?: string): FactTypeProblem[] => {
				let problems = NO_PROBLEMS;
				for (const leaf of dateLeaves) {
					const { read, source } = leaf.leaf!;
					const value = read(contact);
					if (value === undefined || value === null || value === '' || isDateValue(value)) continue;
					if (problems === NO_PROBLEMS) problems = [];
					problems.push({
						path: leaf.path,
						fact: source.fact,
						factValue: value,
						message: `fact \`${source.fact}\`${subject ? ` of ${subject}` : ''} is not a date: ${show(value)}`,
					});
				}
				return problems === NO_PROBLEMS ? [] : problems;
			},
		},
		attributeOnly: { value: attributeOnly },
		eventQueries: { value: Object.freeze(eventQueries) },
	});
	return compiled;
}

function someLeaf(
	node: unknown,
	test: (leaf: Record<string, unknown>) => boolean,
	depth = 0,
): boolean {
	if (node === null || typeof node !== 'object' || depth > 64) return false;
	const n = node as Record<string, unknown>;
	for (const key of ['all', 'any']) {
		if (hasOwn.call(n, key) && Array.isArray(n[key]))
			return (n[key] as unknown[]).some((c) => someLeaf(c, test, depth + 1));
	}
	if (hasOwn.call(n, 'not')) return someLeaf(n.not, test, depth + 1);
	return test(n);
}

/** True when the tree has no event conditions (it can be decided from the contact alone). */
export function isAttributeOnly(tree: unknown): boolean {
	return !someLeaf(tree, (leaf) => leaf.fact === EVENT_COUNT_FACT);
}

/** The event counts a tree needs, each once (by key), for one batched store query. */
export function collectEventQueries(tree: unknown): EventCountQuery[] {
	const found: EventCountQuery[] = [];
	someLeaf(tree, (leaf) => {
		if (leaf.fact === EVENT_COUNT_FACT && leaf.params !== null && typeof leaf.params === 'object') {
			const key = eventQueryKey(leaf.params);
			if (!found.some((q) => q.key === key))
				found.push({ key, params: leaf.params as unknown as EventCountParams });
		}
		return false;
	});
	return found;
}

/** Date conditions of `tree` whose field in `contact` is present but not a date. */
export function checkFactTypes(
	tree: unknown,
	contact: unknown,
	subject?: string,
): FactTypeProblem[] {
	return compileConditions(tree).checkFactTypes(contact, subject);
}

const preparedParams = new WeakMap<object, PreparedEventCount>();

/**
 * How many of `events` match eventCount params: the name, the window before ctx.now (in the
 * contact's zone) and the `where` conditions on the properties. Invalid params throw
 * RulesValidationError.
 */
export function countMatchingEvents(
	events: readonly EventLike[],
	params: EventCountParams,
	ctx?: Partial<EvaluationContext>,
): number {
	let prepared =
		params !== null && typeof params === 'object' ? preparedParams.get(params) : undefined;
	if (!prepared) {
		const errors = validateEventCountParams(params);
		if (errors.length > 0) throw new RulesValidationError(errors);
		prepared = prepareEventCount(params, compileWhere);
		preparedParams.set(params, prepared);
	}
	const c: EvaluationContext = { now: ctx?.now ?? Date.now(), timezone: ctx?.timezone ?? 'UTC' };
	requireZone(c.timezone);
	return countPreparedEvents(events, prepared, c);
}
