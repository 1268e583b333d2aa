/**
 * Text operators. A number fact is read as its text ("01012345678" and 1012345678 both start
 * with "10"); anything else is not text and the condition is false (the "does not" operator is
 * the exact opposite, so it is true). "Ignore case" compares lower-cased text; the value is
 * lower-cased once per condition.
 */
import { defineOperator, type OperatorDefinition } from './definition';

function asText(value: unknown): string | undefined {
	if (typeof value === 'string') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

const keep = (value: unknown): string => String(value);
const lower = (value: unknown): string => String(value).toLowerCase();

function textOperator(
	name: string,
	label: string,
	ignoreCase: boolean,
	compare: (fact: string, value: string) => boolean,
): OperatorDefinition<string> {
	return defineOperator<string>({
		name,
		label,
		valueKind: 'text',
		group: 'text',
		prepare: ignoreCase ? lower : keep,
		test: ignoreCase
			? (fact, value) => {
					const text = asText(fact);
					return text !== undefined && compare(text.toLowerCase(), value);
				}
			: (fact, value) => {
					const text = asText(fact);
					return text !== undefined && compare(text, value);
				},
	});
}

const includes = (fact: string, value: string) => fact.includes(value);
const starts = (fact: string, value: string) => fact.startsWith(value);
const ends = (fact: string, value: string) => fact.endsWith(value);
const same = (fact: string, value: string) => fact === value;

export const textOperators: OperatorDefinition[] = [
	textOperator('stringContains', 'contains (text)', false, includes),
	defineOperator<string>({
		name: 'stringDoesNotContain',
		label: 'does not contain (text)',
		valueKind: 'text',
		group: 'text',
		prepare: keep,
		test: (fact, value) => {
			const text = asText(fact);
			return !(text !== undefined && text.includes(value));
		},
	}),
	textOperator('startsWith', 'starts with', false, starts),
	textOperator('endsWith', 'ends with', false, ends),
	textOperator('equalsIgnoreCase', 'is equal to (ignore case)', true, same),
	textOperator('stringContainsIgnoreCase', 'contains (text, ignore case)', true, includes),
	textOperator('startsWithIgnoreCase', 'starts with (ignore case)', true, starts),
	textOperator('endsWithIgnoreCase', 'ends with (ignore case)', true, ends),
];
