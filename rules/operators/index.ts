/**
 * THE operator table: every operator the package knows, registered from here into
 * json-rules-engine (engine.ts) and used by the compiler (compile.ts) and validation.
 */
import { comparisonOperators } from './comparison';
import type { OperatorDefinition } from './definition';
import { dateOperators } from './dates';
import { existenceOperators } from './existence';
import { listOperators } from './lists';
import { patternOperators } from './regex';
import { textOperators } from './text';

export type { OperatorDefinition, OperatorGroup, ValueKind } from './definition';

export const OPERATORS: readonly OperatorDefinition[] = Object.freeze([
	...comparisonOperators,
	...textOperators,
	...listOperators,
	...existenceOperators,
	...dateOperators,
	...patternOperators,
]);

const byName = new Map<string, OperatorDefinition>(OPERATORS.map((op) => [op.name, op]));

export function getOperator(name: string): OperatorDefinition | undefined {
	return byName.get(name);
}

export function operatorNames(): string[] {
	return OPERATORS.map((op) => op.name);
}

/** Operators an `eventCount` condition may use: it is always a number. */
export const EVENT_COUNT_OPERATORS: ReadonlySet<string> = new Set([
	'equal',
	'notEqual',
	'lessThan',
	'lessThanInclusive',
	'greaterThan',
	'greaterThanInclusive',
	'between',
]);
