import type { ConditionNode } from '../../lib';
import { parseDuration } from '../../lib';

/** One row of the "Behaviour and date conditions" list as n8n hands it over. */
export interface BehaviourRow {
	operator?: string;
	field?: string;
	event?: string;
	period?: string;
	days?: number;
	times?: number;
	window?: string;
}

export const DATE_ROW_OPERATORS = ['withinLast', 'moreThanAgo', 'anniversaryWithin'];
export const EVENT_ROW_OPERATORS = ['didEventAtLeast', 'didEventAtMost', 'didNotDoEvent'];

/** A field dragged from the input panel arrives as `{{ $json.lastSeenAt }}`: read it as the path. */
const DRAGGED_FIELD = /^=?\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*|\[\s*(?:'[^']*'|"[^"]*")\s*\])+)\s*\}\}$/;

/** `.a["b c"].d` → `a.b c.d` (the rules package's dotted paths). */
export function pathFromAccessors(accessors: string): string {
	const parts: string[] = [];
	const re = /\.([A-Za-z_$][\w$]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/g;
	let m: RegExpExecArray | null;
	while ((m = re.exec(accessors))) parts.push(m[1] ?? m[2] ?? m[3]);
	return parts.join('.');
}

/** The dotted path of a field typed or dragged into a row; `prefix` is where the contact sits in the facts. */
export function fieldPath(text: string): string {
	const trimmed = text.trim();
	const dragged = DRAGGED_FIELD.exec(trimmed);
	return dragged ? pathFromAccessors(dragged[1]) : trimmed;
}

export interface BehaviourLeaf {
	node: ConditionNode;
	/** the row in the marketer's words when it failed */
	failure: string;
}

/**
 * One behaviour / date row as a rules-package leaf. Contact fields are read under `prefix`
 * (where the builder puts the contact in its facts). Problems are pushed to `errors` naming
 * the row (counted from 1) and the field to change.
 */
export function behaviourLeaf(row: BehaviourRow, index: number, prefix: string, errors: string[]): BehaviourLeaf | undefined {
	const where = `condition ${index + 1}`;
	const operator = row.operator ?? '';
	if (EVENT_ROW_OPERATORS.includes(operator)) {
		const event = String(row.event ?? '').trim();
		if (!event) {
			errors.push(`${where}: "Event Name" is empty; enter the event to count, e.g. purchase`);
			return undefined;
		}
		const params: Record<string, unknown> = { event };
		const window = String(row.window ?? '').trim();
		if (window) {
			if (typeof parseDuration(window) === 'string') {
				errors.push(`${where}: "In the Last" is "${window}"; write a duration such as 30d, 24h or 2w, or leave it empty for the whole kept history`);
				return undefined;
			}
			params.within = window;
		}
		const span = window ? ` in the last ${window}` : '';
		if (operator === 'didNotDoEvent') {
			return { node: { fact: 'eventCount', params, operator: 'equal', value: 0 }, failure: `did event ${event}${span}` };
		}
		const times = Number(row.times);
		if (!Number.isInteger(times) || times < 0) {
			errors.push(`${where}: "Times" is ${JSON.stringify(row.times)}; enter a whole number of times, e.g. 2`);
			return undefined;
		}
		const atLeast = operator === 'didEventAtLeast';
		return {
			node: { fact: 'eventCount', params, operator: atLeast ? 'greaterThanInclusive' : 'lessThanInclusive', value: times },
			failure: `did event ${event} ${atLeast ? 'fewer than' : 'more than'} ${times} times${span}`,
		};
	}
	if (DATE_ROW_OPERATORS.includes(operator)) {
		const field = fieldPath(String(row.field ?? ''));
		if (!field) {
			errors.push(`${where}: "Date Field" is empty; enter the contact's date field, e.g. lastSeenAt`);
			return undefined;
		}
		const fact = `${prefix}${field}`;
		if (operator === 'anniversaryWithin') {
			const days = Number(row.days);
			if (!Number.isInteger(days) || days < 0 || days > 366) {
				errors.push(`${where}: "Days Ahead" is ${JSON.stringify(row.days)}; enter a whole number of days from 0 to 366`);
				return undefined;
			}
			return { node: { fact, operator, value: days }, failure: `${field} has no anniversary within the next ${days} days` };
		}
		const period = String(row.period ?? '').trim();
		if (typeof parseDuration(period) === 'string') {
			errors.push(`${where}: "Period" is "${period}"; write a duration such as 30d, 24h or 2w`);
			return undefined;
		}
		return {
			node: { fact, operator, value: period },
			failure: operator === 'withinLast' ? `${field} is not within the last ${period}` : `${field} is not more than ${period} ago`,
		};
	}
	errors.push(`${where}: choose an operator`);
	return undefined;
}
