import type { FilterConditionValue, FilterOperatorType } from 'n8n-workflow';
import { validateFieldType } from 'n8n-workflow';
import type { ConditionNode } from '../../lib';

/**
 * One condition of n8n's condition builder (the `filter` parameter), turned into a leaf of the
 * rules package's tree. n8n's own Filter decides in two steps: it converts the two values to
 * the comparison's type (strict or loose type validation), then compares. The conversion is
 * done here, per item, into a fact of its own (`f3`); the comparison is a rules-package
 * operator on that fact, so every item is decided by the rules package.
 */
export interface FilterLeaf {
	/** the fact the rules tree reads: the converted left value */
	fact: string;
	node: ConditionNode;
	/** the left value of an item, converted; a TypeProblem when n8n would have refused it */
	convert(value: unknown): unknown;
	/** the condition in the marketer's words when it failed, e.g. `plan is not equal to pro` */
	failure: string;
}

/** A value n8n's type validation refuses; kept as the fact so the error surfaces only if reached. */
export class TypeProblem {
	constructor(
		readonly message: string,
		readonly description: string,
	) {}
}

export interface FilterSettings {
	ignoreCase: boolean;
	strict: boolean;
	/** typeOptions.filter.version of the parameter */
	version: number;
}

/** A type in the marketer's words, with its article where English wants one. */
const TYPE_WORDS: Record<string, string> = {
	string: 'text',
	number: 'a number',
	boolean: 'true or false',
	dateTime: 'a date',
	array: 'a list',
	object: 'an object',
};
const typeWord = (type: string) => TYPE_WORDS[type] ?? `a ${type}`;

/** n8n's reading of one value for a comparison type (parseSingleFilterValue in n8n-workflow). */
function parseValue(value: unknown, type: FilterOperatorType, settings: FilterSettings): { valid: boolean; value: unknown } {
	if (type === 'any' || value === null || value === undefined) return { valid: true, value };
	if (type === 'boolean' && !settings.strict) {
		if (settings.version >= 2) {
			const result = validateFieldType('filter', value, type);
			if (result.valid) return { valid: true, value: result.newValue };
		}
		return { valid: true, value: Boolean(value) };
	}
	if (type === 'number') {
		if (Number.isNaN(value)) return { valid: true, value };
		const empty = (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
		if (empty && settings.version >= 3) return { valid: true, value: null };
	}
	const result = validateFieldType('filter', value, type, { strict: settings.strict, parseStrings: true });
	return result.valid ? { valid: true, value: result.newValue } : { valid: false, value: undefined };
}

function typeProblem(value: unknown, type: FilterOperatorType, settings: FilterSettings, side: string): TypeProblem {
	const shown = typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? String(value);
	const from = typeWord(typeof value === 'object' ? (Array.isArray(value) ? 'array' : 'object') : typeof value);
	const message = settings.strict
		? `the ${side} value ${shown} is ${from}, but the comparison expects ${typeWord(type)}`
		: `the ${side} value ${shown} cannot be read as ${typeWord(type)}`;
	const description = settings.strict
		? 'Turn on "Convert Types Where Required" in the options, fix the field, or pick the comparison for its type.'
		: 'Fix the field, or pick the comparison for its type.';
	return new TypeProblem(message, description);
}

const isDateTime = (value: unknown): value is { toMillis(): number } =>
	value !== null && typeof value === 'object' && typeof (value as { toMillis?: unknown }).toMillis === 'function';

/** The comparison's type-converted right value, or a TypeProblem. */
function rightValue(condition: FilterConditionValue, settings: FilterSettings): unknown {
	const { operator } = condition;
	const type = operator.rightType ?? operator.type;
	const parsed = parseValue(condition.rightValue, type, settings);
	if (!parsed.valid) {
		if (operator.singleValue) return undefined;
		return typeProblem(condition.rightValue, type, settings, 'second');
	}
	return parsed.value;
}

/** Words for the failure text, per `type:operation`: what the item did NOT do. */
const FAILED_WORDS: Record<string, string> = {
	exists: 'does not exist',
	notExists: 'exists',
	empty: 'is not empty',
	notEmpty: 'is empty',
	equals: 'is not equal to',
	notEquals: 'is equal to',
	contains: 'does not contain',
	notContains: 'contains',
	startsWith: 'does not start with',
	notStartsWith: 'starts with',
	endsWith: 'does not end with',
	notEndsWith: 'ends with',
	regex: 'does not match',
	notRegex: 'matches',
	gt: 'is not greater than',
	lt: 'is not less than',
	gte: 'is less than',
	lte: 'is greater than',
	after: 'is not after',
	before: 'is not before',
	afterOrEquals: 'is before',
	beforeOrEquals: 'is after',
	true: 'is not true',
	false: 'is not false',
	lengthEquals: 'does not have length',
	lengthNotEquals: 'has length',
	lengthGt: 'has no more entries than',
	lengthLt: 'has no fewer entries than',
	lengthGte: 'has fewer entries than',
	lengthLte: 'has more entries than',
};

const leaf = (fact: string, operator: string, value?: unknown): ConditionNode =>
	value === undefined ? { fact, operator } : { fact, operator, value };

/**
 * The rules leaf and the per-item conversion for one condition; `right` is the condition's
 * right value as the node resolved it (a constant, or this item's value). Throws a TypeProblem
 * when the right value cannot be used (n8n refuses it on every item).
 */
export function filterLeaf(
	condition: FilterConditionValue,
	fact: string,
	label: string,
	settings: FilterSettings,
): FilterLeaf {
	const { type, operation } = condition.operator;
	const right = rightValue(condition, settings);
	if (right instanceof TypeProblem) throw right;
	// n8n lower-cases the left text for every operation and the right one except a pattern
	const lower = settings.ignoreCase && type === 'string';
	const regex = operation === 'regex' || operation === 'notRegex';
	const parse = (value: unknown): unknown => {
		const parsed = parseValue(value, type, settings);
		return parsed.valid ? parsed.value : typeProblem(value, type, settings, 'first');
	};
	const shownRight = right === undefined || condition.operator.singleValue ? '' : ` ${showValue(right)}`;
	const failure = `${label} ${FAILED_WORDS[operation] ?? `fails "${operation}"`}${shownRight}`;
	const result = (node: ConditionNode, convert: (value: unknown) => unknown): FilterLeaf => ({ fact, node, convert, failure });

	if (operation === 'exists' || operation === 'notExists') {
		return result(leaf(fact, operation), (value) => {
			const parsed = fastParse(value, type) ?? parse(value);
			return Number.isNaN(parsed) ? undefined : parsed;
		});
	}
	switch (type) {
		case 'string': {
			const r = right === undefined || right === null ? '' : lower && !regex ? String(right).toLocaleLowerCase() : String(right);
			const convert = (value: unknown) => {
				const parsed = typeof value === 'string' ? value : parse(value);
				if (parsed instanceof TypeProblem) return parsed;
				const text = parsed === undefined || parsed === null ? '' : String(parsed);
				return lower ? text.toLocaleLowerCase() : text;
			};
			const negate = (node: ConditionNode): ConditionNode => ({ not: node });
			const nodes: Record<string, () => ConditionNode> = {
				empty: () => leaf(fact, 'equal', ''),
				notEmpty: () => leaf(fact, 'notEqual', ''),
				equals: () => leaf(fact, 'equal', r),
				notEquals: () => leaf(fact, 'notEqual', r),
				contains: () => leaf(fact, 'stringContains', r),
				notContains: () => leaf(fact, 'stringDoesNotContain', r),
				startsWith: () => leaf(fact, 'startsWith', r),
				notStartsWith: () => negate(leaf(fact, 'startsWith', r)),
				endsWith: () => leaf(fact, 'endsWith', r),
				notEndsWith: () => negate(leaf(fact, 'endsWith', r)),
				regex: () => leaf(fact, 'matchesRegex', pattern(r)),
				notRegex: () => negate(leaf(fact, 'matchesRegex', pattern(r))),
			};
			return result(nodeFor(nodes, condition), convert);
		}
		case 'number': {
			const convert = (value: unknown) => (typeof value === 'number' ? value : parse(value));
			const nodes: Record<string, () => ConditionNode> = {
				empty: () => leaf(fact, 'notExists'),
				notEmpty: () => leaf(fact, 'exists'),
				equals: () => leaf(fact, 'equal', right ?? null),
				notEquals: () => leaf(fact, 'notEqual', right ?? null),
				gt: () => leaf(fact, 'greaterThan', right),
				lt: () => leaf(fact, 'lessThan', right),
				gte: () => leaf(fact, 'greaterThanInclusive', right),
				lte: () => leaf(fact, 'lessThanInclusive', right),
			};
			const emptiness = operation === 'empty' || operation === 'notEmpty';
			const order = operation === 'gt' || operation === 'lt' || operation === 'gte' || operation === 'lte';
			return result(nodeFor(nodes, condition), (value) => {
				const parsed = convert(value);
				// n8n: NaN does not exist; JavaScript orders null as 0
				if (emptiness && Number.isNaN(parsed)) return undefined;
				return order && parsed === null ? 0 : parsed;
			});
		}
		case 'dateTime': {
			const r = isDateTime(right) ? right.toMillis() : undefined;
			const convert = (value: unknown) => {
				const parsed = parse(value);
				if (parsed instanceof TypeProblem) return parsed;
				return isDateTime(parsed) ? parsed.toMillis() : undefined;
			};
			if (operation === 'empty' || operation === 'notEmpty') {
				return result(leaf(fact, operation === 'empty' ? 'notExists' : 'exists'), convert);
			}
			// n8n: a missing date on either side never compares
			const compare = (operator: string): ConditionNode =>
				r === undefined ? { all: [leaf(fact, 'exists'), leaf(fact, 'notExists')] } : leaf(fact, operator, r);
			const nodes: Record<string, () => ConditionNode> = {
				equals: () => compare('equal'),
				notEquals: () => (r === undefined ? compare('equal') : { all: [leaf(fact, 'exists'), leaf(fact, 'notEqual', r)] }),
				after: () => compare('greaterThan'),
				before: () => compare('lessThan'),
				afterOrEquals: () => compare('greaterThanInclusive'),
				beforeOrEquals: () => compare('lessThanInclusive'),
			};
			return result(nodeFor(nodes, condition), convert);
		}
		case 'boolean': {
			const convert = (value: unknown) => (typeof value === 'boolean' ? value : parse(value));
			const nodes: Record<string, () => ConditionNode> = {
				empty: () => leaf(fact, 'notExists'),
				notEmpty: () => leaf(fact, 'exists'),
				true: () => leaf(fact, 'equal', true),
				false: () => leaf(fact, 'notEqual', true),
				equals: () => leaf(fact, 'equal', right ?? null),
				notEquals: () => leaf(fact, 'notEqual', right ?? null),
			};
			return result(nodeFor(nodes, condition), convert);
		}
		case 'array': {
			const lowerList = settings.ignoreCase && typeof right === 'string';
			const r = lowerList ? (right as string).toLocaleLowerCase() : right;
			const length = operation.startsWith('length') || operation === 'empty' || operation === 'notEmpty';
			const convert = (value: unknown) => {
				const parsed = Array.isArray(value) ? value : parse(value);
				if (parsed instanceof TypeProblem) return parsed;
				const list = (parsed ?? []) as unknown[];
				if (length) return list.length;
				return lowerList ? list.map((entry) => (typeof entry === 'string' ? entry.toLocaleLowerCase() : entry)) : list;
			};
			const nodes: Record<string, () => ConditionNode> = {
				contains: () => leaf(fact, 'contains', r ?? null),
				notContains: () => leaf(fact, 'doesNotContain', r ?? null),
				lengthEquals: () => leaf(fact, 'equal', right),
				lengthNotEquals: () => leaf(fact, 'notEqual', right),
				lengthGt: () => leaf(fact, 'greaterThan', right),
				lengthLt: () => leaf(fact, 'lessThan', right),
				lengthGte: () => leaf(fact, 'greaterThanInclusive', right),
				lengthLte: () => leaf(fact, 'lessThanInclusive', right),
				empty: () => leaf(fact, 'equal', 0),
				notEmpty: () => leaf(fact, 'notEqual', 0),
			};
			return result(nodeFor(nodes, condition), convert);
		}
		case 'object': {
			const nodes: Record<string, () => ConditionNode> = {
				empty: () => leaf(fact, 'isEmpty'),
				notEmpty: () => leaf(fact, 'isNotEmpty'),
			};
			return result(nodeFor(nodes, condition), (value) => {
				const parsed = parse(value);
				// n8n reads a falsy object as empty
				return parsed instanceof TypeProblem || parsed ? parsed : undefined;
			});
		}
	}
	throw new TypeProblem(
		`the comparison "${type}: ${operation}" is not supported`,
		'Pick another comparison from the list.',
	);
}

function fastParse(value: unknown, type: FilterOperatorType): unknown {
	if (value === undefined || value === null) return value;
	if (type === 'string' && typeof value === 'string') return value;
	if (type === 'number' && typeof value === 'number') return value;
	if (type === 'boolean' && typeof value === 'boolean') return value;
	if (type === 'array' && Array.isArray(value)) return value;
	return undefined;
}

function nodeFor(nodes: Record<string, () => ConditionNode>, condition: FilterConditionValue): ConditionNode {
	const make = nodes[condition.operator.operation];
	if (!make) {
		throw new TypeProblem(
			`the comparison "${condition.operator.type}: ${condition.operator.operation}" is not supported`,
			'Pick another comparison from the list.',
		);
	}
	return make();
}

/** n8n reads "/pattern/flags" as a literal with flags, anything else as a pattern. */
function pattern(value: string): { pattern: string; flags: string } {
	const literal = /^\/(.*?)\/([gimusy]*)$/.exec(value);
	const source = literal ? literal[1] : value;
	// g, u and y change nothing for a single test; RE2 knows i, m and s
	const flags = literal ? [...literal[2]].filter((f) => 'ims'.includes(f)).join('') : '';
	return { pattern: source, flags };
}

export function showValue(value: unknown): string {
	if (isDateTime(value)) return (value as unknown as { toISO(): string }).toISO();
	if (Array.isArray(value)) return value.map((v) => showValue(v)).join(', ');
	if (typeof value === 'string') return value;
	return JSON.stringify(value) ?? String(value);
}
