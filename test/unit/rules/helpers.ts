/** Shared helpers for the rules tests: evaluate one condition through both paths. */
import { Engine } from 'json-rules-engine';
import { expect } from 'vitest';
import {
	compileConditions,
	createEngine,
	type ConditionGroup,
	type EvaluationContext,
} from '../../../rules';

export const NOW = Date.parse('2024-05-03T15:30:00Z'); // Seoul: May 4 00:30, Los Angeles: May 3 08:30
export const utc: EvaluationContext = { now: NOW, timezone: 'UTC' };
export const DAY = 86_400_000;

/** Result of the tree for the contact; fails the test when the compiled path and engine.run disagree. */
export async function decide(
	tree: ConditionGroup,
	contact: unknown,
	ctx: EvaluationContext = utc,
): Promise<boolean> {
	const compiled = compileConditions(tree).evaluate(contact, ctx);
	const engine = createEngine(ctx, [{ conditions: tree as never, event: { type: 'matched' } }]);
	const result = await engine.run(contact as Record<string, unknown>);
	const fromEngine = result.events.length > 0;
	expect(
		compiled,
		`compiled vs engine.run for ${JSON.stringify(tree)} on ${JSON.stringify(contact)}`,
	).toBe(fromEngine);
	return fromEngine;
}

/** One condition on field `f` holding `factValue`. */
export function check(
	operator: string,
	value: unknown,
	factValue: unknown,
	ctx: EvaluationContext = utc,
): Promise<boolean> {
	const leaf: Record<string, unknown> = { fact: 'f', operator };
	if (value !== undefined) leaf.value = value;
	const contact = factValue === undefined ? {} : { f: factValue };
	return decide({ all: [leaf as never] }, contact, ctx);
}

/**
 * The answer of a plain json-rules-engine Engine (its own operators only) for a tree whose facts
 * are top-level fields of `facts`; a missing field is an undefined fact.
 */
export async function plainEngineDecides(tree: unknown, facts: Record<string, unknown>): Promise<boolean> {
	const engine = new Engine([], { allowUndefinedFacts: true });
	engine.addRule({ conditions: tree as never, event: { type: 'matched' } });
	return (await engine.run(facts)).events.length > 0;
}
