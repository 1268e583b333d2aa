/**
 * json-rules-engine's own operators, kept with their names and meaning so existing rules run
 * unchanged (equal is strict ===, in/notIn look the fact up in the list, contains/doesNotContain
 * need the fact to be a list), plus `between`.
 *
 * The four order comparisons are made well defined instead of leaning on JavaScript's `<`:
 * numbers and numeric text ("42", "3.5") compare as numbers, two texts compare alphabetically
 * (so ISO dates of one format still work), anything else is false.
 */
import { defineOperator, type OperatorDefinition } from './definition';

const NUMERIC_TEXT = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?\s*$/i;

/** A number or numeric text as a number; NaN for everything else. */
export function toNumber(value: unknown): number {
	if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
	if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
	return NaN;
}

interface Comparable {
	number: number;
	text: string | undefined;
}

function prepareComparable(value: unknown): Comparable {
	return { number: toNumber(value), text: typeof value === 'string' ? value : undefined };
}

/** -1, 0 or 1; NaN when the two cannot be ordered. */
function order(fact: unknown, value: Comparable): number {
	if (value.number === value.number) {
		const n = toNumber(fact);
		if (n === n) return n < value.number ? -1 : n > value.number ? 1 : 0;
	}
	if (typeof fact === 'string' && value.text !== undefined) {
		return fact < value.text ? -1 : fact > value.text ? 1 : 0;
	}
	return NaN;
}

export const comparisonOperators: OperatorDefinition[] = [
	defineOperator({
		name: 'equal',
		label: 'is equal to',
		valueKind: 'single',
		group: 'comparison',
		builtIn: true,
		prepare: (value) => value,
		test: (fact, value) => fact === value,
	}),
	defineOperator({
		name: 'notEqual',
		label: 'is not equal to',
		valueKind: 'single',
		group: 'comparison',
		builtIn: true,
		prepare: (value) => value,
		test: (fact, value) => fact !== value,
	}),
	defineOperator({
		name: 'lessThan',
		label: 'is less than',
		valueKind: 'comparable',
		group: 'number',
		builtIn: true,
		prepare: prepareComparable,
		test: (fact, value) => order(fact, value) < 0,
	}),
	defineOperator({
		name: 'lessThanInclusive',
		label: 'is less than or equal to',
		valueKind: 'comparable',
		group: 'number',
		builtIn: true,
		prepare: prepareComparable,
		test: (fact, value) => order(fact, value) <= 0,
	}),
	defineOperator({
		name: 'greaterThan',
		label: 'is greater than',
		valueKind: 'comparable',
		group: 'number',
		builtIn: true,
		prepare: prepareComparable,
		test: (fact, value) => order(fact, value) > 0,
	}),
	defineOperator({
		name: 'greaterThanInclusive',
		label: 'is greater than or equal to',
		valueKind: 'comparable',
		group: 'number',
		builtIn: true,
		prepare: prepareComparable,
		test: (fact, value) => order(fact, value) >= 0,
	}),
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
		prepare: (value) => value as unknown[],
		test: (fact, list) => list.indexOf(fact) > -1,
	}),
	defineOperator<readonly unknown[]>({
		name: 'notIn',
		label: 'is not one of',
		valueKind: 'list',
		group: 'list',
		builtIn: true,
		prepare: (value) => value as unknown[],
		test: (fact, list) => list.indexOf(fact) === -1,
	}),
	defineOperator({
		name: 'contains',
		label: 'list contains',
		valueKind: 'single',
		group: 'list',
		builtIn: true,
		prepare: (value) => value,
		test: (fact, value) => Array.isArray(fact) && fact.indexOf(value) > -1,
	}),
	defineOperator({
		name: 'doesNotContain',
		label: 'list does not contain',
		valueKind: 'single',
		group: 'list',
		builtIn: true,
		prepare: (value) => value,
		// json-rules-engine's meaning: false when the fact is not a list at all
		test: (fact, value) => Array.isArray(fact) && fact.indexOf(value) === -1,
	}),
];
