import { getOperator, type FailedCondition } from '../../lib';

/** "is one of" → "is not one of", "starts with" → "does not start with", and back. */
function negate(label: string): string {
	if (label.startsWith('is not ')) return `is ${label.slice(7)}`;
	if (label.startsWith('is ')) return `is not ${label.slice(3)}`;
	if (label.startsWith('does not ')) {
		const verb = label.slice(9);
		return verb.replace(/^(\w+)/, (v) => (v.endsWith('s') ? v : `${v}s`));
	}
	if (label.startsWith('list contains')) return `does not contain${label.slice(13)}`;
	if (label.startsWith('list does not contain')) return `contains${label.slice(21)}`;
	if (label.startsWith('anniversary is')) return `has no anniversary${label.slice(14)}`;
	return `does not ${label.replace(/^(\w+?)(e?s)\b/, (_, stem: string, ending: string) => (ending === 'es' && !/(ch|sh|x|ss)$/.test(stem) ? `${stem}e` : stem))}`;
}

function show(value: unknown): string {
	if (Array.isArray(value)) return value.map(show).join(', ');
	if (value && typeof value === 'object' && 'amount' in value && 'unit' in value) {
		const { amount, unit } = value as { amount: number; unit: string };
		return `${amount} ${unit}`;
	}
	if (typeof value === 'string') return value;
	return JSON.stringify(value) ?? String(value);
}

/**
 * A failed condition in the marketer's words: what the contact is, not where the rule sits
 * ("plan is not one of vip, gold (it is free)", "did event purchase fewer than 2 times in the
 * last 30d (1 times)").
 */
export function describeFailure(failed: FailedCondition): string {
	const label = getOperator(failed.operator)?.label ?? failed.operator;
	const noValue = getOperator(failed.operator)?.valueKind === 'none';
	if (failed.fact === 'eventCount') {
		const params = failed.params ?? {};
		const within = params.within === undefined ? '' : ` in the last ${show(params.within)}`;
		return `event ${show(params.event)}${within} counted ${show(failed.factValue)} times, which ${negate(label)} ${show(failed.value)}`;
	}
	const had = failed.factValue === undefined ? 'it is missing' : `it is ${show(failed.factValue)}`;
	return `${failed.fact} ${negate(label).replace(/ \.\.\. /, ` ${show(failed.value)} `)}${noValue || label.includes('...') ? '' : ` ${show(failed.value)}`} (${had})`;
}
