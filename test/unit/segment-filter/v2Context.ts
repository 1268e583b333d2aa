/**
 * Runs version 2 of the Segment Filter's execute() on a stand-in context: the shared
 * executeContext plus what version 2 uses (the node's version, and evaluateExpression for the
 * expressions the builder evaluates through n8n).
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { SegmentFilter } from '../../../nodes/SegmentFilter/SegmentFilter.node';
import { executeContext, type ExecuteContextOptions } from '../helpers/executeContext';

const node = new SegmentFilter();

/** A condition of n8n's condition builder, as the editor stores it. */
export function condition(leftValue: unknown, type: string, operation: string, rightValue: unknown = '', extra: Record<string, unknown> = {}) {
	return { id: `${type}-${operation}`, leftValue, rightValue, operator: { type, operation, ...extra } };
}

/** One condition group (one `filter` parameter value). */
export function group(conditions: unknown[], combinator: 'and' | 'or' = 'and') {
	return { conditions: { options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 }, conditions, combinator } };
}

export interface V2Run {
	items: Array<Record<string, unknown>>;
	parameters: Record<string, unknown>;
	continueOnFail?: boolean;
	hints?: unknown[];
	evaluations?: number[];
}

export function v2Context(run: V2Run): IExecuteFunctions {
	const options: ExecuteContextOptions = {
		items: run.items,
		parameters: {
			mode: 'builder',
			combineGroups: 'any',
			combineBehaviour: 'all',
			contactId: (_: number, item: INodeExecutionData) => item.json.contactId,
			timezone: '',
			store: 'memory',
			options: {},
			'behaviourConditions.condition': [],
			...run.parameters,
		},
		continueOnFail: run.continueOnFail,
	};
	const ctx = executeContext(options);
	const base = ctx.getNode();
	const items = ctx.getInputData();
	return Object.assign(ctx, {
		getNode: () => ({ ...base, typeVersion: 2 }),
		addExecutionHints: (...hints: unknown[]) => run.hints?.push(...hints),
		// only the `{{ js }}` form with $json, which is all these tests write
		evaluateExpression: (expression: string, itemIndex: number) => {
			run.evaluations?.push(itemIndex);
			const body = expression.replace(/^=\s*\{\{/, '').replace(/\}\}\s*$/, '');
			return new Function('$json', `return (${body});`)(items[itemIndex].json);
		},
	}) as IExecuteFunctions;
}

export async function runV2(run: V2Run): Promise<INodeExecutionData[][]> {
	const v2 = node.nodeVersions[2];
	return (await v2.execute!.call(v2Context(run))) as INodeExecutionData[][];
}
