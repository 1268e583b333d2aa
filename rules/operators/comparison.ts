/**
 * json-rules-engine's own operators, with its names and exactly its meaning, so a rule written
 * for json-rules-engine answers the same here (the differential test holds both the compiled
 * evaluator and createEngine against a plain json-rules-engine Engine):
 * - equal / notEqual are strict (=== / !==);
 * - in / notIn look the fact up in the list; contains / doesNotContain need the fact to be a list;
 * - the four order comparisons first require that parseFloat reads a number from the fact, then
 *   compare with JavaScript's `<` / `>`: "42" > 10 is true, "abc" > "abb" is false, [5] < 10 is
 *   true. Validation only lets a number through as the value, so text is never compared by
 *   alphabet; a value read from another field is compared as json-rules-engine would.
 * `between` is ours: numbers and numeric text, read as numbers.
 */
import { asIs, defineOperator, type OperatorDefinition } from './definition';

// unambiguous (no nested quantifiers over the same digits) so a 10 kB run of digits stays linear
const NUMERIC_TEXT = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\s*$/i;

/** A number or numeric text as a number; NaN for everything else. */
export function toNumber(value: unknown): number {
	if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
	if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
	return NaN;
}

/** json-rules-engine's fact check before an order comparison: `parseFloat(fact)` is not NaN. */
function parsesAsNumber(fact: unknown): boolean {
	if (typeof fact === 'number') return fact === fact;
	return !Number.isNaN(Number.parseFloat(fact as string));
}

function orderOperator(
	name: string,
	label: string,
	compare: (fact: number, value: number) => boolean,
): OperatorDefinition {
	return defineOperator({
		name,
		label,
		valueKind: 'number',
		group: 'number',
		builtIn: true,
		factValues: true,
		prepare: asIs,
		// the casts keep JavaScript's own coercion, which is json-rules-engine's meaning
		test: (fact, value) => parsesAsNumber(fact) && compare(fact as number, value as number),
	});
}

export const comparisonOperators: OperatorDefinition[] = [
	defineOperator({
		name: 'equal',
		factValues: true,
		label: 'is equal to',
		valueKind: 'single',
		group: 'comparison',
		builtIn: true,
		prepare: asIs,
		test: (fact, value) => fact === value,
	}),
	defineOperator({
		name: 'notEqual',
		factValues: true,
		label: 'is not equal to',
		valueKind: 'single',
		group: 'comparison',
		builtIn: true,
		prepare: asIs,
		test: (fact, value) => fact !== value,
	}),
	orderOperator('lessThan', 'is less than', (a, b) => a < b),
	orderOperator('lessThanInclusive', 'is less than or equal to', (a, b) => a <= b),
	orderOperator('greaterThan', 'is greater than', (a, b) => a > b),
	orderOperator('greaterThanInclusive', 'is greater than or equal to', (a, b) => a >= b),
	defineOperator<[number, number]>({
		name: 'between',
		label: 'is between (inclusive)',
		valueKind: 'range',
		group: 'number',
		prepare: (value) => value as [number, number],
		test: (fact, [min, max]) => {
			const n = toNumber(fact);
			return n >= min && n <= max;
		},
	}),
	defineOperator<readonly unknown[]>({
		name: 'in',
		label: 'is one of',
		valueKind: 'list',
		group: 'list',
		builtIn: true,
		prepare: asIs,
		test: (fact, list) => list.indexOf(fact) > -1,
	}),
	defineOperator<readonly unknown[]>({
		name: 'notIn',
		label: 'is not one of',
		valueKind: 'list',
		group: 'list',
		builtIn: true,
		prepare: asIs,
		test: (fact, list) => list.indexOf(fact) === -1,
	}),
	defineOperator({
		name: 'contains',
		factValues: true,
		label: 'list contains',
		valueKind: 'single',
		group: 'list',
		builtIn: true,
		prepare: asIs,
		test: (fact, value) => Array.isArray(fact) && fact.indexOf(value) > -1,
	}),
	defineOperator({
		name: 'doesNotContain',
		factValues: true,
		label: 'list does not contain',
		valueKind: 'single',
		group: 'list',
		builtIn: true,
		prepare: asIs,
		// json-rules-engine's meaning: false when the fact is not a list at all
		test: (fact, value) => Array.isArray(fact) && fact.indexOf(value) === -1,
	}),
];
