import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	compileConditions,
	conditionsFromRows,
	getSegment,
	parseRulesJson,
	validateConditions,
	type BuilderRow,
	type CompiledConditions,
	type ConditionGroup,
	type FailedCondition,
} from '../../lib';
import { BuilderPlan } from './builderPlan';
import { segmentConditions, segmentSettingsOf } from './segmentSettings';

export type Mode = 'builder' | 'rules' | 'segment';

/** The conditions an item is judged by, compiled, with the parameter they came from. */
export interface ItemSegment {
	compiled: CompiledConditions;
	/** names of the events the event conditions count, for the store query */
	eventNames: string[];
	/** the saved segment's name, in segment mode */
	name?: string;
	/** what the tree reads for an item, when that is not the item itself (the version 2 builder) */
	facts?(itemIndex: number, contact: IDataObject, scratch?: boolean): IDataObject;
	/** the failed conditions in the marketer's words, when the segment knows better than the rules */
	describe?(failed: FailedCondition[]): string[];
}

/** What is wrong with a definition; kept in the cache so a bad static rule is diagnosed once. */
class DefinitionProblem {
	constructor(
		readonly parameter: string,
		readonly problems: string[],
		readonly hint: string,
	) {}
}

const PARAMETER_BY_MODE: Record<Mode, string[]> = {
	builder: ['conditions', 'combineConditions', 'combineGroups'],
	rules: ['rulesJson'],
	segment: ['segment'],
};

/**
 * Reads the segment definition of each item and compiles it once per distinct definition:
 * when the parameters hold no expression that is once per execution, otherwise once per
 * distinct value the expressions produce.
 */
export class ConditionSource {
	private readonly cache = new Map<string, ItemSegment | DefinitionProblem>();
	private readonly staticSegment: boolean;
	private first?: ItemSegment | DefinitionProblem;
	private readonly plan?: BuilderPlan;

	constructor(
		private readonly ctx: IExecuteFunctions,
		readonly mode: Mode,
		version = 1,
	) {
		const raw = ctx.getNode().parameters;
		if (mode === 'builder' && version >= 2) {
			this.plan = new BuilderPlan(ctx);
			this.staticSegment = !this.plan.rightDiffersPerItem;
		} else {
			const names = mode === 'segment' && version >= 2 ? Object.keys(raw).filter((n) => n === 'segment' || n.startsWith('segment_')) : PARAMETER_BY_MODE[mode];
			this.staticSegment = !names.some((name) => containsExpression(raw[name]));
		}
	}

	/** Expressions of the builder that n8n evaluates per item (slower than a dragged field). */
	get perItemExpressions(): string[] {
		return this.plan?.perItemExpressions ?? [];
	}

	/** The item's compiled segment; a bad definition throws an error naming the parameter and item. */
	forItem(itemIndex: number): ItemSegment {
		let segment = this.staticSegment ? this.first : undefined;
		if (!segment) {
			const { key, build } = this.definition(itemIndex);
			segment = this.cache.get(key);
			if (!segment) {
				segment = build();
				if (this.cache.size > 1000) this.cache.clear(); // per-item expressions: stay bounded
				this.cache.set(key, segment);
			}
			if (this.staticSegment) this.first = segment;
		}
		if (segment instanceof DefinitionProblem) {
			throw new NodeOperationError(
				this.ctx.getNode(),
				`Parameter "${segment.parameter}", item ${itemIndex + 1}: ${segment.problems.join('; ')}`,
				{ itemIndex, description: segment.hint },
			);
		}
		return segment;
	}

	private definition(itemIndex: number): { key: string; build: () => ItemSegment | DefinitionProblem } {
		const ctx = this.ctx;
		if (this.plan) {
			const plan = this.plan;
			return {
				key: plan.key(itemIndex),
				build: () => {
					const built = plan.build(itemIndex);
					if ('problems' in built) return new DefinitionProblem(built.parameter, built.problems, built.hint);
					return {
						compiled: built.compiled,
						eventNames: [...new Set(built.compiled.eventQueries.map((q) => q.params.event))],
						facts: built.facts,
						describe: built.describe,
					};
				},
			};
		}
		if (this.mode === 'segment') {
			const name = String(ctx.getNodeParameter('segment', itemIndex, '')).trim();
			const settings = segmentSettingsOf(ctx, name, itemIndex);
			return {
				key: `segment:${name}:${JSON.stringify(settings)}`,
				build: () => {
					let conditions: ConditionGroup;
					try {
						conditions = segmentConditions(getSegment(name), settings);
					} catch (error) {
						return new DefinitionProblem('Segment', [(error as Error).message], 'Choose a segment from the list.');
					}
					const compiled = compile(conditions, 'Segment');
					return compiled instanceof DefinitionProblem ? compiled : { ...compiled, name };
				},
			};
		}
		if (this.mode === 'rules') {
			const raw = ctx.getNodeParameter('rulesJson', itemIndex, '') as unknown;
			const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
			return {
				key: `rules:${text}`,
				build: () => {
					const parsed = typeof raw === 'string' ? parseRulesJson(raw) : { ok: true as const, value: raw };
					if (!parsed.ok) {
						return new DefinitionProblem(
							'Rules (JSON)',
							[parsed.error.message],
							'Fix the JSON: a condition tree such as {"all": [{"fact": "plan", "operator": "equal", "value": "pro"}]}.',
						);
					}
					return compile(unwrapRule(parsed.value), 'Rules (JSON)');
				},
			};
		}
		const rows = ((ctx.getNodeParameter('conditions', itemIndex, {}) as { condition?: BuilderRow[] }).condition ??
			[]) as BuilderRow[];
		const combineConditions = ctx.getNodeParameter('combineConditions', itemIndex, 'all') as 'all' | 'any';
		const combineGroups = ctx.getNodeParameter('combineGroups', itemIndex, 'any') as 'all' | 'any';
		return {
			key: `builder:${combineConditions}:${combineGroups}:${JSON.stringify(rows)}`,
			build: () => {
				const { conditions, errors } = conditionsFromRows(rows, combineConditions, combineGroups);
				if (errors.length > 0) {
					return new DefinitionProblem(
						'Conditions',
						errors.map((e) => `${e.path} ${e.message}`),
						'Fix the condition rows named above.',
					);
				}
				return compile(conditions as unknown as ConditionGroup, 'Conditions');
			},
		};
	}
}

/** A whole rule ({ conditions, event }) is accepted too: its conditions are the segment. */
function unwrapRule(value: unknown): unknown {
	if (value && typeof value === 'object' && 'conditions' in value && !('all' in value || 'any' in value || 'not' in value)) {
		return (value as { conditions: unknown }).conditions;
	}
	return value;
}

function compile(conditions: unknown, parameter: string): ItemSegment | DefinitionProblem {
	const errors = validateConditions(conditions);
	if (errors.length > 0) {
		return new DefinitionProblem(
			parameter,
			errors.map((e) => `${e.path}: ${e.message}`),
			'Change the rule at the path named above; the notice above the Rules (JSON) field lists every operator.',
		);
	}
	const compiled = compileConditions(conditions as ConditionGroup);
	return { compiled, eventNames: [...new Set(compiled.eventQueries.map((q) => q.params.event))] };
}

function containsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(containsExpression);
	if (value && typeof value === 'object') return Object.values(value).some(containsExpression);
	return false;
}
