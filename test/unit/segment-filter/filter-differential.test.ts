/**
 * The Segment Filter's builder gives the same answers as n8n's own Filter / If nodes: every
 * operation of the string, number, dateTime, boolean and array types, with strict and loose
 * type validation, case-sensitive and not, over left values of every JSON type (missing
 * included). The oracle is n8n-workflow's executeFilterCondition, the function n8n's Filter
 * node runs per item; ours goes through the node's execute() and the rules package. Where n8n
 * throws (a type it refuses), ours must fail that item too.
 */
import { executeFilterCondition, type FilterConditionValue, type FilterOperatorType } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { condition, group, runV2 } from './v2Context';

const OPERATIONS: Record<string, string[]> = {
	string: ['exists', 'notExists', 'empty', 'notEmpty', 'equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'notStartsWith', 'endsWith', 'notEndsWith', 'regex', 'notRegex'],
	number: ['exists', 'notExists', 'empty', 'notEmpty', 'equals', 'notEquals', 'gt', 'lt', 'gte', 'lte'],
	dateTime: ['exists', 'notExists', 'empty', 'notEmpty', 'equals', 'notEquals', 'after', 'before', 'afterOrEquals', 'beforeOrEquals'],
	boolean: ['exists', 'notExists', 'empty', 'notEmpty', 'true', 'false', 'equals', 'notEquals'],
	array: ['exists', 'notExists', 'empty', 'notEmpty', 'contains', 'notContains', 'lengthEquals', 'lengthNotEquals', 'lengthGt', 'lengthLt', 'lengthGte', 'lengthLte'],
};
const SINGLE_VALUE = new Set(['exists', 'notExists', 'empty', 'notEmpty', 'true', 'false']);
const rightTypeOf = (type: string, operation: string): FilterOperatorType | undefined =>
	type === 'array' ? (operation === 'contains' || operation === 'notContains' ? 'any' : 'number') : undefined;

/** Left values of every shape an item field takes; `undefined` is a missing field. */
const LEFT_VALUES: unknown[] = [
	'Pro', 'pro', 'professional', 'PRO plan', '', ' ', '42', '4.5', '-1', 'abc', 'true', 'false', 'yes', '0',
	'2024-03-01T10:00:00Z', '2024-03-01', '2024-03-01T10:00:00.000+09:00', 'not a date',
	42, 0, -1, 4.5, 1709287200000, true, false, null, undefined,
	[], ['Pro', 'vip'], ['pro'], [1, 2, 3], [42], { a: 1 }, {}, '[1, 2]', '["Pro"]', '{"a": 1}',
];

/** Right values as the editor stores them (typed text), plus a few typed ones. */
const RIGHT_VALUES: Record<string, unknown[]> = {
	string: ['pro', 'Pro', '', 'o', 'PRO', '^pro', '/PRO/i', 'o$', 42],
	number: ['42', '0', '4.5', '-1', 42, 'abc', ''],
	dateTime: ['2024-03-01T10:00:00Z', '2024-03-01', '2024-02-01T00:00:00Z', 'nope'],
	boolean: ['true', 'false', true, false, 'yes'],
	array: ['Pro', 'pro', 'vip', 1, 42, '2', 2, 0, 3, 'x'],
};

type Outcome = boolean | 'error';

function oracle(cond: FilterConditionValue, strict: boolean, ignoreCase: boolean): Outcome {
	try {
		// "is true" hands back the left value itself; n8n's Filter reads it as true / false
		return !!executeFilterCondition(cond, { caseSensitive: !ignoreCase, typeValidation: strict ? 'strict' : 'loose', leftValue: '', version: 2 });
	} catch {
		return 'error';
	}
}

async function ours(cond: ReturnType<typeof condition>, strict: boolean, ignoreCase: boolean): Promise<Outcome[]> {
	const items = LEFT_VALUES.map((v, i) => (v === undefined ? { i } : { i, v }));
	let output: Awaited<ReturnType<typeof runV2>>;
	try {
		output = await runV2({
			items,
			continueOnFail: true,
			parameters: {
				'conditionGroups.group': [group([cond])],
				options: { looseTypeValidation: !strict, ignoreCase },
			},
		});
	} catch {
		// a right value n8n refuses stops the whole node (every item would fail)
		return items.map(() => 'error');
	}
	const outcome: Outcome[] = new Array(items.length);
	output[0].forEach((item) => (outcome[item.json.i as number] = true));
	output[1].forEach((item) => (outcome[item.json.i as number] = item.json.error ? 'error' : false));
	return outcome;
}

describe('the builder against n8n-workflow executeFilterCondition', () => {
	for (const [type, operations] of Object.entries(OPERATIONS)) {
		for (const strict of [true, false]) {
			it(`${type}, ${strict ? 'strict' : 'loose'} type validation: every operation`, async () => {
				const mismatches: string[] = [];
				let compared = 0;
				for (const operation of operations) {
					const rights = SINGLE_VALUE.has(operation) ? [''] : RIGHT_VALUES[type];
					for (const right of rights) {
						for (const ignoreCase of [false, true]) {
							const extra: Record<string, unknown> = {};
							const rightType = rightTypeOf(type, operation);
							if (rightType) extra.rightType = rightType;
							if (SINGLE_VALUE.has(operation)) extra.singleValue = true;
							const cond = condition('={{ $json.v }}', type, operation, right, extra);
							const got = await ours(cond, strict, ignoreCase);
							LEFT_VALUES.forEach((left, i) => {
								const expected = oracle({ ...(cond as unknown as FilterConditionValue), leftValue: left as never }, strict, ignoreCase);
								compared++;
								if (got[i] !== expected) {
									mismatches.push(
										`${type}:${operation} left=${JSON.stringify(left)} right=${JSON.stringify(right)} ignoreCase=${ignoreCase}: n8n ${expected}, ours ${got[i]}`,
									);
								}
							});
						}
					}
				}
				expect(mismatches.slice(0, 30)).toEqual([]);
				expect(compared).toBeGreaterThan(operations.length * LEFT_VALUES.length);
			});
		}
	}
});
