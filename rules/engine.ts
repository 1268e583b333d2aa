/**
 * json-rules-engine with our operators and our fact lookup.
 *
 * - Every operator of the table (operators/index.ts) is registered, replacing the built-ins of
 *   the same name with definitions of the same meaning, so the engine and the compiled
 *   evaluator share one implementation.
 * - Facts are read from the contact passed to run(): a fact name is a dotted path
 *   (`address.country`) read by our resolver, own properties only. The almanac creates a fact
 *   the first time a rule asks for it, so any field works without declaring it. The engine's
 *   `pathResolver` is ours too, and rules are validated when added, which refuses `path`
 *   (JSONPath) before it could ever run. A value `{ fact: "x" }` (fact-to-fact) is resolved by
 *   json-rules-engine through the same almanac, so it is a dotted path too.
 * - `eventCount` is a registered fact: it counts the events in the contact's `__events` field
 *   with countMatchingEvents, exactly as the compiled evaluator does.
 */
import {
	Almanac,
	Engine,
	Fact,
	Rule,
	type EngineResult,
	type RuleProperties,
	type RunOptions,
} from 'json-rules-engine';
import { countMatchingEvents } from './compile';
import { resolveContext } from './context';
import { EVENT_COUNT_FACT, EVENTS_FACT, type EventCountParams } from './events';
import { resolvePath } from './factPath';
import { getOperator, OPERATORS } from './operators';
import type { EvaluationContext, RuleDefinition } from './types';
import { assertValidRule } from './validate';

/** json-rules-engine's pathResolver, for a `path` that reaches the engine despite validation. */
function safePathResolver(value: object, path: string): unknown {
	return resolvePath(value, path.replace(/^\$\.?/, ''));
}

interface AlmanacInternals {
	factMap: Map<string, Fact>;
}

/** An almanac whose unknown facts are fields of the contact, read through resolvePath. */
class ContactAlmanac extends Almanac {
	constructor(private readonly contact: unknown) {
		super({ allowUndefinedFacts: true, pathResolver: safePathResolver });
	}

	_getFact(factId: string): Fact | undefined {
		const facts = (this as unknown as AlmanacInternals).factMap;
		let fact = facts.get(factId);
		if (fact === undefined) {
			const value = resolvePath(this.contact, factId);
			// a function value would be taken for a fact calculator: wrap it
			fact = new Fact(factId, typeof value === 'function' ? () => value : value, { cache: false });
			facts.set(factId, fact);
		}
		return fact;
	}
}

/** Adds `value: null` where an operator takes none: json-rules-engine requires the property. */
function withValues(node: unknown): unknown {
	if (node === null || typeof node !== 'object') return node;
	const n = node as Record<string, unknown>;
	if (Array.isArray(n.all)) return { ...n, all: n.all.map(withValues) };
	if (Array.isArray(n.any)) return { ...n, any: n.any.map(withValues) };
	if (n.not !== undefined && typeof n.not === 'object') return { ...n, not: withValues(n.not) };
	if (
		!Object.prototype.hasOwnProperty.call(n, 'value') &&
		getOperator(String(n.operator))?.valueKind === 'none'
	) {
		return { ...n, value: null };
	}
	return n;
}

class JourneyEngine extends Engine {
	constructor(readonly context: EvaluationContext) {
		super([], { allowUndefinedFacts: true, pathResolver: safePathResolver });
		for (const operator of OPERATORS) {
			this.addOperator(operator.name, (factValue: unknown, value: unknown) =>
				operator.evaluate(factValue, value, context),
			);
		}
		this.addFact(
			EVENT_COUNT_FACT,
			async (params: Record<string, unknown>, almanac: Almanac) => {
				const events = await almanac.factValue(EVENTS_FACT);
				return Array.isArray(events)
					? countMatchingEvents(events, params as unknown as EventCountParams, context)
					: undefined;
			},
			{ cache: false },
		);
	}

	/** Validates the rule first (RulesValidationError lists every problem). */
	addRule(rule: RuleProperties | RuleDefinition): this {
		if (rule instanceof Rule) {
			assertValidRule(JSON.parse(rule.toJSON(true)));
			return super.addRule(rule);
		}
		assertValidRule(rule);
		return super.addRule({ ...rule, conditions: withValues(rule.conditions) } as RuleProperties);
	}

	/** run(contact): the contact's fields are the facts (see the file header). */
	run(facts: Record<string, unknown> = {}, runOptions: RunOptions = {}): Promise<EngineResult> {
		if (runOptions.almanac) return super.run(facts, runOptions);
		return super.run({}, { ...runOptions, almanac: new ContactAlmanac(facts) });
	}
}

/**
 * A json-rules-engine Engine with every operator of this package, the dotted-path fact lookup
 * and the eventCount fact, bound to one evaluation context (default: now, UTC). An invalid time
 * zone throws InvalidTimeZoneError; an invalid rule throws RulesValidationError.
 */
export function createEngine(
	context?: Partial<EvaluationContext>,
	rules: ReadonlyArray<RuleProperties | RuleDefinition> = [],
): Engine {
	const engine = new JourneyEngine(resolveContext(context));
	for (const rule of rules) engine.addRule(rule);
	return engine;
}
