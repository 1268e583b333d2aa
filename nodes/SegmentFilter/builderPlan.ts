import type { FilterConditionValue, FilterValue, IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { compileConditions, jsonPathReader, validateConditions, type CompiledConditions, type ConditionNode, type FailedCondition } from '../../lib';
import { behaviourLeaf, pathFromAccessors, type BehaviourRow } from './behaviourRows';
import { filterLeaf, TypeProblem, type FilterLeaf, type FilterSettings } from './filterConditions';

/** Where the builder puts the contact in the facts it hands the rules package. */
export const CONTACT_PREFIX = 'contact.';

/** A left value `{{ $json.a.b }}` (what dragging a field from the input panel writes). */
const JSON_PATH = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*|\[\s*(?:'[^']*'|"[^"]*")\s*\])+)\s*\}\}$/;
/** Expressions that read the item (or another node's paired item) differ per item. */
const ITEM_REFERENCE = /\$(?:json|binary|input|item|itemIndex|data|position|node|index)\b|\$\(|\$\$/;

type ValueReader = (itemIndex: number) => unknown;

interface PlannedCondition {
	condition: FilterConditionValue;
	/** group and condition numbers, from 1, as the marketer sees them */
	where: string;
	label: string;
	left: ValueReader;
	/** undefined when the right value is the same for every item */
	rightPerItem?: ValueReader;
	right: unknown;
}

export interface BuiltBuilder {
	compiled: CompiledConditions;
	/**
	 * The converted values and the contact, as the rules tree reads them; throws when n8n would.
	 * With `scratch` one object is reused for every item (the caller does not keep it).
	 */
	facts(itemIndex: number, contact: IDataObject, scratch?: boolean): IDataObject;
	describe(failed: FailedCondition[]): string[];
}

export interface BuilderProblem {
	/** the list the problems are in, as the panel names it */
	parameter: string;
	problems: string[];
	hint: string;
}

/**
 * The builder of version 2: condition groups of n8n's condition UI and the behaviour and date
 * rows, read once per execution (raw, expressions unevaluated) and compiled into one tree of
 * the rules package. Left values `{{ $json.path }}` are read straight from the item; values
 * that do not use the item are evaluated once; anything else is evaluated per item through n8n
 * and named in `perItemExpressions` so the node can say so.
 */
export class BuilderPlan {
	readonly perItemExpressions: string[] = [];
	private readonly conditions: PlannedCondition[][] = [];
	private readonly groupCombinators: Array<'all' | 'any'> = [];
	private readonly behaviour: BehaviourRow[];
	private readonly settings: FilterSettings;
	private readonly combineGroups: 'all' | 'any';
	private readonly combineBehaviour: 'all' | 'any';
	readonly rightDiffersPerItem: boolean;

	constructor(private readonly ctx: IExecuteFunctions) {
		const items = ctx.getInputData();
		const options = ctx.getNodeParameter('options', 0, {}) as { ignoreCase?: boolean; looseTypeValidation?: boolean };
		this.settings = { ignoreCase: options.ignoreCase === true, strict: !options.looseTypeValidation, version: 2 };
		this.combineGroups = ctx.getNodeParameter('combineGroups', 0, 'any') as 'all' | 'any';
		this.combineBehaviour = ctx.getNodeParameter('combineBehaviour', 0, 'all') as 'all' | 'any';
		const groups = (ctx.getNodeParameter('conditionGroups.group', 0, [], { rawExpressions: true }) ?? []) as Array<{
			conditions?: FilterValue;
		}>;
		this.behaviour = ((ctx.getNodeParameter('behaviourConditions.condition', 0, [], { rawExpressions: true }) ?? []) as BehaviourRow[]);

		groups.forEach((group, g) => {
			const planned: PlannedCondition[] = [];
			(group.conditions?.conditions ?? []).forEach((condition, c) => {
				if (isUntouched(condition)) return;
				const where = `Condition group ${g + 1}, condition ${c + 1}`;
				const left = this.reader(condition.leftValue, items, `${where}, left value`);
				const label = labelOf(condition.leftValue);
				const rightRaw = condition.rightValue;
				const rightPerItem = isItemExpression(rightRaw) ? this.reader(rightRaw, items, `${where}, value`) : undefined;
				const right = rightPerItem ? undefined : this.reader(rightRaw, items, `${where}, value`)(0);
				planned.push({ condition, where, label, left, rightPerItem, right });
			});
			if (planned.length > 0) {
				this.conditions.push(planned);
				this.groupCombinators.push(group.conditions?.combinator === 'or' ? 'any' : 'all');
			}
		});
		this.rightDiffersPerItem = this.conditions.some((group) => group.some((c) => c.rightPerItem));
	}

	/** What decides whether two items can share one compiled tree. */
	key(itemIndex: number): string {
		if (!this.rightDiffersPerItem) return 'builder';
		return JSON.stringify(this.conditions.map((group) => group.map((c) => (c.rightPerItem ? c.rightPerItem(itemIndex) : null))));
	}

	build(itemIndex: number): BuiltBuilder | BuilderProblem {
		const problems: string[] = [];
		const leaves: FilterLeaf[][] = [];
		const readers: Array<{ fact: string; read: ValueReader; convert: (value: unknown) => unknown; where: string }> = [];
		const failures = new Map<string, string>();
		let next = 0;
		for (const group of this.conditions) {
			const groupLeaves: FilterLeaf[] = [];
			for (const planned of group) {
				const condition = planned.rightPerItem ? { ...planned.condition, rightValue: planned.rightPerItem(itemIndex) as never } : {
					...planned.condition,
					rightValue: planned.right as never,
				};
				try {
					const built = filterLeaf(condition, `f${next++}`, planned.label, this.settings);
					groupLeaves.push(built);
					readers.push({ fact: built.fact, read: planned.left, convert: built.convert, where: planned.where });
					failures.set(built.fact, built.failure);
				} catch (error) {
					if (!(error instanceof TypeProblem)) throw new NodeOperationError(this.ctx.getNode(), error as Error);
					problems.push(`${planned.where.replace('Condition group', 'group')}: ${error.message}. ${error.description}`);
				}
			}
			leaves.push(groupLeaves);
		}
		const behaviourNodes: ConditionNode[] = [];
		const rowProblems: string[] = [];
		this.behaviour.forEach((row, index) => {
			const built = behaviourLeaf(row, index, CONTACT_PREFIX, rowProblems);
			if (!built) return;
			behaviourNodes.push(built.node);
			failures.set(failureKey(built.node as unknown as FailedCondition), built.failure);
		});
		if (problems.length > 0) return { parameter: 'Condition Groups', problems, hint: 'Fix the conditions named above.' };
		if (rowProblems.length > 0) {
			return { parameter: 'Behaviour and Date Conditions', problems: rowProblems, hint: 'Fix the conditions named above.' };
		}
		if (leaves.length === 0 && behaviourNodes.length === 0) {
			return {
				parameter: 'Condition Groups',
				problems: ['add at least one condition (a condition group, or a behaviour and date condition)'],
				hint: 'Drag a field from the input panel into a condition, or add a behaviour and date condition.',
			};
		}

		const groupNodes = leaves.map((group, g) => combine(this.groupCombinators[g], group.map((l) => l.node)));
		const parts: ConditionNode[] = [];
		if (groupNodes.length > 0) parts.push(groupNodes.length === 1 ? groupNodes[0] : combine(this.combineGroups, groupNodes));
		parts.push(...behaviourNodes);
		const tree = parts.length === 1 && !('fact' in parts[0]) ? parts[0] : combine(this.combineBehaviour, parts);
		const errors = validateConditions(tree);
		if (errors.length > 0) {
			return { parameter: 'Condition Groups', problems: errors.map((e) => `${e.path}: ${e.message}`), hint: 'Change the condition named above.' };
		}
		const compiled = compileConditions(tree as never);
		// one compiled leaf per condition, to find the first type error n8n would reach
		const single = leaves.map((group) => group.map((l) => compileConditions({ all: [l.node] } as never)));
		const ctx = this.ctx;
		const groupCombinators = this.groupCombinators;
		const combineGroups = this.combineGroups;

		const reused: IDataObject = { contact: {} };
		const facts = (itemIndex: number, contact: IDataObject, scratch = false): IDataObject => {
			const result: IDataObject = scratch ? reused : { contact };
			result.contact = contact;
			let problem = false;
			for (let i = 0; i < readers.length; i++) {
				const reader = readers[i];
				const value = reader.convert(reader.read(itemIndex));
				if (value instanceof TypeProblem) problem = true;
				result[reader.fact] = value as IDataObject[string];
			}
			if (problem) throwIfReached(itemIndex, result);
			return result;
		};

		// n8n stops at the first condition that decides a group, so a type error after it is
		// never seen; the same order here: groups in turn, conditions in turn
		const throwIfReached = (itemIndex: number, result: IDataObject) => {
			for (let g = 0; g < leaves.length; g++) {
				const and = groupCombinators[g] === 'all';
				let passed = and;
				for (let c = 0; c < leaves[g].length; c++) {
					const value = result[leaves[g][c].fact];
					if (value instanceof TypeProblem) {
						const where = readers.find((r) => r.fact === leaves[g][c].fact)!.where;
						throw new NodeOperationError(ctx.getNode(), `${where}, item ${itemIndex + 1}: ${value.message}`, {
							itemIndex,
							description: value.description,
						});
					}
					const pass = single[g][c](result);
					if (and && !pass) {
						passed = false;
						break;
					}
					if (!and && pass) {
						passed = true;
						break;
					}
				}
				if (combineGroups === 'any' && passed) return;
				if (combineGroups === 'all' && !passed) return;
			}
		};

		const describe = (failed: FailedCondition[]): string[] => {
			const texts = failed.map((f) => failures.get(f.fact) ?? failures.get(failureKey(f)) ?? `${f.fact} ${f.operator} ${JSON.stringify(f.value)}`);
			return [...new Set(texts)];
		};
		return { compiled, facts, describe };
	}

	private reader(raw: unknown, items: INodeExecutionData[], where: string): ValueReader {
		if (typeof raw !== 'string' || !raw.startsWith('=')) return () => raw;
		const path = JSON_PATH.exec(raw.trim());
		if (path) {
			return jsonPathReader(items, pathFromAccessors(path[1]).split('.'));
		}
		if (!ITEM_REFERENCE.test(raw)) {
			let evaluated = false;
			let value: unknown;
			return () => {
				if (!evaluated) {
					value = this.ctx.evaluateExpression(raw, 0);
					evaluated = true;
				}
				return value;
			};
		}
		this.perItemExpressions.push(`${where} (${raw.slice(1).trim()})`);
		return (itemIndex) => this.ctx.evaluateExpression(raw, itemIndex);
	}
}

const combine = (kind: 'all' | 'any', nodes: ConditionNode[]): ConditionNode =>
	(kind === 'all' ? { all: nodes } : { any: nodes });

function isItemExpression(raw: unknown): boolean {
	return typeof raw === 'string' && raw.startsWith('=') && ITEM_REFERENCE.test(raw);
}

/** A row n8n adds by default and the marketer never filled in: nothing to decide on. */
function isUntouched(condition: FilterConditionValue): boolean {
	return (condition.leftValue ?? '') === '' && (condition.rightValue ?? '') === '';
}

/** The left value as the marketer knows it: the field's path, or the expression. */
function labelOf(raw: unknown): string {
	if (typeof raw !== 'string') return JSON.stringify(raw);
	const path = JSON_PATH.exec(raw.trim());
	if (path) return pathFromAccessors(path[1]);
	return raw.startsWith('=') ? raw.slice(1).trim() : `"${raw}"`;
}

function failureKey(leaf: Pick<FailedCondition, 'fact' | 'operator' | 'value' | 'params'>): string {
	return `${leaf.fact}|${leaf.operator}|${JSON.stringify(leaf.params ?? null)}|${JSON.stringify(leaf.value ?? null)}`;
}
