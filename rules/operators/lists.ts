/**
 * List operators in the marketer's words. `isIn` / `isNotIn` look the field up in the listed
 * values (a Set built once per condition); `containsAny` / `containsAll` need the field itself
 * to be a list (tags, interests). Values compare strictly: "1" is not 1. Each "not" operator is
 * the exact opposite of its positive one, so a missing field "is not one of" any list.
 */
import { defineOperator, type OperatorDefinition } from './definition';

interface ValueSet {
	set: ReadonlySet<unknown>;
	list: readonly unknown[];
}

function prepareSet(value: unknown): ValueSet {
	const list = [...new Set(value as unknown[])];
	return { set: new Set(list), list };
}

export const listOperators: OperatorDefinition[] = [
	defineOperator<ValueSet>({
		name: 'isIn',
		label: 'is one of',
		valueKind: 'list',
		group: 'list',
		needsNonEmptyList: true,
		prepare: prepareSet,
		test: (fact, values) => values.set.has(fact),
	}),
	defineOperator<ValueSet>({
		name: 'isNotIn',
		label: 'is not one of',
		valueKind: 'list',
		group: 'list',
		needsNonEmptyList: true,
		prepare: prepareSet,
		test: (fact, values) => !values.set.has(fact),
	}),
	defineOperator<ValueSet>({
		name: 'containsAny',
		label: 'list contains any of',
		valueKind: 'list',
		group: 'list',
		needsNonEmptyList: true,
		prepare: prepareSet,
		test: (fact, values) => {
			if (!Array.isArray(fact)) return false;
			for (let i = 0; i < fact.length; i++) if (values.set.has(fact[i])) return true;
			return false;
		},
	}),
	defineOperator<ValueSet>({
		name: 'containsAll',
		label: 'list contains all of',
		valueKind: 'list',
		group: 'list',
		needsNonEmptyList: true,
		prepare: prepareSet,
		test: (fact, values) => {
			if (!Array.isArray(fact)) return false;
			const wanted = values.list;
			// a long field gets a Set, so a huge list against a huge field stays linear
			const has: { has(v: unknown): boolean } = fact.length > 32 ? new Set(fact) : { has: (v) => fact.includes(v) };
			for (let i = 0; i < wanted.length; i++) if (!has.has(wanted[i])) return false;
			return true;
		},
	}),
];
