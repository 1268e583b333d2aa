/**
 * Existence and emptiness; the condition value is ignored. "Exists" means the field is there
 * and not null (an empty text exists). "Empty" means missing, null, "", [] or {} (an object with
 * no own keys; a Date is never empty).
 */
import { defineOperator, type OperatorDefinition } from './definition';

const hasOwn = Object.prototype.hasOwnProperty;

function exists(value: unknown): boolean {
	return value !== undefined && value !== null;
}

export function isEmptyValue(value: unknown): boolean {
	if (value === undefined || value === null || value === '') return true;
	if (typeof value !== 'object') return false;
	if (Array.isArray(value)) return value.length === 0;
	if (value instanceof Date) return false;
	for (const key in value) if (hasOwn.call(value, key)) return false;
	return true;
}

const ignore = (): undefined => undefined;

export const existenceOperators: OperatorDefinition[] = [
	defineOperator({
		name: 'exists',
		label: 'exists',
		valueKind: 'none',
		group: 'existence',
		prepare: ignore,
		test: (fact) => exists(fact),
	}),
	defineOperator({
		name: 'notExists',
		label: 'does not exist',
		valueKind: 'none',
		group: 'existence',
		prepare: ignore,
		test: (fact) => !exists(fact),
	}),
	defineOperator({
		name: 'isEmpty',
		label: 'is empty',
		valueKind: 'none',
		group: 'existence',
		prepare: ignore,
		test: (fact) => isEmptyValue(fact),
	}),
	defineOperator({
		name: 'isNotEmpty',
		label: 'is not empty',
		valueKind: 'none',
		group: 'existence',
		prepare: ignore,
		test: (fact) => !isEmptyValue(fact),
	}),
];
