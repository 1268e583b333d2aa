import type { INodePropertyOptions } from 'n8n-workflow';

/**
 * Builder operators in the marketer's words. `value` is the rules-package operator (or one of
 * the event operators below, which the builder turns into an `eventCount` condition).
 */
export const builderOperators: INodePropertyOptions[] = [
	{ name: 'Is Equal To', value: 'equal' },
	{ name: 'Is Not Equal To', value: 'notEqual' },
	{ name: 'Is Equal To (Ignore Case)', value: 'equalsIgnoreCase' },
	{ name: 'Contains Text', value: 'stringContains' },
	{ name: 'Starts With', value: 'startsWith' },
	{ name: 'Ends With', value: 'endsWith' },
	{ name: 'Matches Pattern (RE2)', value: 'matchesRegex' },
	{ name: 'Is Greater Than', value: 'greaterThan' },
	{ name: 'Is Greater Than or Equal To', value: 'greaterThanInclusive' },
	{ name: 'Is Less Than', value: 'lessThan' },
	{ name: 'Is Less Than or Equal To', value: 'lessThanInclusive' },
	{ name: 'Is Between (Min, Max)', value: 'between' },
	{ name: 'Is One Of', value: 'isIn' },
	{ name: 'Is Not One Of', value: 'isNotIn' },
	{ name: 'List Contains Any Of', value: 'containsAny' },
	{ name: 'List Contains All Of', value: 'containsAll' },
	{ name: 'Exists', value: 'exists' },
	{ name: 'Does Not Exist', value: 'notExists' },
	{ name: 'Is Empty', value: 'isEmpty' },
	{ name: 'Is Not Empty', value: 'isNotEmpty' },
	{ name: 'Date Is Within the Last', value: 'withinLast' },
	{ name: 'Date Is More Than … Ago', value: 'moreThanAgo' },
	{ name: 'Date Is Before', value: 'before' },
	{ name: 'Date Is After', value: 'after' },
	{ name: 'Anniversary Is Within the Next … Days', value: 'anniversaryWithin' },
	{ name: 'Did Event at Least … Times', value: 'didEventAtLeast' },
	{ name: 'Did Event at Most … Times', value: 'didEventAtMost' },
	{ name: 'Did Not Do Event', value: 'didNotDoEvent' },
];

const EVENT_OPERATORS = ['didEventAtLeast', 'didEventAtMost', 'didNotDoEvent'];
const NO_VALUE_OPERATORS = ['exists', 'notExists', 'isEmpty', 'isNotEmpty', 'didNotDoEvent'];

/** One row of the visual builder as n8n hands it over. */
export interface BuilderRow {
	field?: string;
	operator?: string;
	value?: string | number | boolean;
	within?: string;
	group?: number;
}

export interface BuilderError {
	path: string;
	message: string;
}

type Condition = Record<string, unknown>;

const LIST_OPERATORS = ['isIn', 'isNotIn', 'containsAny', 'containsAll'];
const NUMBER_OPERATORS = ['greaterThan', 'greaterThanInclusive', 'lessThan', 'lessThanInclusive', 'anniversaryWithin'];
const LITERAL_OPERATORS = ['equal', 'notEqual'];

/**
 * Turns builder rows into one json-rules-engine condition tree, so the builder is decided by
 * the same evaluator as the JSON and saved-segment modes. Rows are grouped by their group
 * number; conditions combine within a group, groups combine with each other.
 */
export function conditionsFromRows(
	rows: BuilderRow[],
	combineConditions: 'all' | 'any',
	combineGroups: 'all' | 'any',
): { conditions: Condition; errors: BuilderError[] } {
	const errors: BuilderError[] = [];
	const groups = new Map<number, Condition[]>();
	rows.forEach((row, index) => {
		const condition = conditionFromRow(row, `conditions[${index}]`, errors);
		if (!condition) return;
		const group = Number.isFinite(row.group) ? Number(row.group) : 1;
		const list = groups.get(group) ?? [];
		list.push(condition);
		groups.set(group, list);
	});
	if (rows.length === 0) errors.push({ path: 'conditions', message: 'add at least one condition' });
	const ordered = [...groups.keys()].sort((a, b) => a - b).map((g) => groups.get(g) as Condition[]);
	const conditions =
		ordered.length === 1
			? { [combineConditions]: ordered[0] }
			: { [combineGroups]: ordered.map((group) => ({ [combineConditions]: group })) };
	return { conditions, errors };
}

function conditionFromRow(row: BuilderRow, path: string, errors: BuilderError[]): Condition | undefined {
	const field = String(row.field ?? '').trim();
	const operator = String(row.operator ?? 'equal');
	const raw = row.value;
	if (!field) {
		errors.push({ path: `${path}.field`, message: 'is empty: enter a field of the contact (e.g. plan) or an event name' });
		return undefined;
	}
	if (EVENT_OPERATORS.includes(operator)) return eventCondition(field, operator, raw, row.within, path, errors);
	if (NO_VALUE_OPERATORS.includes(operator)) return { fact: field, operator, value: true };
	const text = typeof raw === 'string' ? raw.trim() : raw;
	if (LIST_OPERATORS.includes(operator)) {
		const list = String(text ?? '')
			.split(',')
			.map((s) => s.trim())
			.filter((s) => s !== '')
			.map(literal);
		if (list.length === 0) errors.push({ path: `${path}.value`, message: 'needs at least one value (comma-separated)' });
		return { fact: field, operator, value: list };
	}
	if (NUMBER_OPERATORS.includes(operator)) {
		const value = toNumber(text);
		if (value === undefined) errors.push({ path: `${path}.value`, message: `must be a number, got "${String(text)}"` });
		return { fact: field, operator, value };
	}
	if (operator === 'between') {
		const parts = String(text ?? '').split(',').map((s) => toNumber(s.trim()));
		if (parts.length !== 2 || parts.some((p) => p === undefined)) {
			errors.push({ path: `${path}.value`, message: `"between" needs "min, max", got "${String(text)}"` });
		}
		return { fact: field, operator, value: parts };
	}
	if (LITERAL_OPERATORS.includes(operator)) return { fact: field, operator, value: typeof text === 'string' ? literal(text) : text };
	return { fact: field, operator, value: text === undefined ? '' : String(text) };
}

function eventCondition(
	event: string,
	operator: string,
	raw: BuilderRow['value'],
	within: string | undefined,
	path: string,
	errors: BuilderError[],
): Condition {
	const params: Record<string, unknown> = { event };
	if (within && within.trim()) params.within = within.trim();
	if (operator === 'didNotDoEvent') return { fact: 'eventCount', params, operator: 'equal', value: 0 };
	const times = toNumber(typeof raw === 'string' ? raw.trim() : raw);
	if (times === undefined || times < 0 || !Number.isInteger(times)) {
		errors.push({ path: `${path}.value`, message: `must be a whole number of times, got "${String(raw)}"` });
	}
	return {
		fact: 'eventCount',
		params,
		operator: operator === 'didEventAtLeast' ? 'greaterThanInclusive' : 'lessThanInclusive',
		value: times,
	};
}

/** "42" → 42, "true" → true; anything else (including "01234") stays text. */
function literal(text: string): string | number | boolean {
	if (text === 'true') return true;
	if (text === 'false') return false;
	const n = Number(text);
	return text !== '' && String(n) === text ? n : text;
}

function toNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const n = Number(value);
	return Number.isFinite(n) ? n : undefined;
}
