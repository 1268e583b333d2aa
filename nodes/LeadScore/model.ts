import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	compileScoringModel,
	conditionsFromRows,
	formatErrors,
	getScoringModel,
	parseRulesJson,
	RulesValidationError,
	type BuilderRow,
	type CompiledScoringModel,
	type DecaySpec,
	type RepeatSpec,
	type ScoringModel,
	type ScoringRule,
	type ValidationError,
} from '../../lib';
import type { ModelSource } from './description';

interface RuleRow extends BuilderRow {
	name?: string;
	points?: number;
	group?: never;
	groupName?: string;
	repeat?: 'every' | 'once' | 'atMost' | 'oncePer';
	times?: number;
	period?: string;
}

interface GroupRow {
	group?: string;
	groupName?: string;
	cap?: number;
	decay?: DecaySpec['kind'];
	percent?: number;
	days?: number;
}

interface ThresholdRow {
	name?: string;
	score?: number;
	appliesTo?: string;
	groupName?: string;
}

const PARAMETER: Record<ModelSource, string> = { library: 'Model', json: 'Model (JSON)', builder: 'Rules' };

/** The node's scoring model, compiled once per execution; a broken model names the parameter and what to change. */
export function loadModel(ctx: IExecuteFunctions): CompiledScoringModel {
	const source = ctx.getNodeParameter('modelSource', 0) as ModelSource;
	let model: ScoringModel;
	try {
		model = readModel(ctx, source);
		return compileScoringModel(model);
	} catch (error) {
		const errors: readonly ValidationError[] = error instanceof RulesValidationError ? error.errors : [{ path: '', message: (error as Error).message }];
		throw new NodeOperationError(ctx.getNode(), `The scoring model in "${PARAMETER[source]}" is not valid: ${formatErrors(errors)}`, {
			description:
				source === 'builder'
					? 'Fix the rule rows named above (rules[2] is the third row).'
					: 'Fix the places named above (e.g. rules[3].event.params.points is the points of the fourth rule).',
		});
	}
}

function readModel(ctx: IExecuteFunctions, source: ModelSource): ScoringModel {
	if (source === 'library') return getScoringModel(ctx.getNodeParameter('modelName', 0) as string);
	if (source === 'json') {
		const raw = ctx.getNodeParameter('modelJson', 0) as unknown;
		if (typeof raw !== 'string') return raw as ScoringModel;
		const parsed = parseRulesJson(raw);
		if (!parsed.ok) throw new Error(`line ${parsed.error.line}, column ${parsed.error.column}: ${parsed.error.message}`);
		return parsed.value as ScoringModel;
	}
	return modelFromBuilder(
		(ctx.getNodeParameter('rules.rule', 0, []) as RuleRow[]) ?? [],
		(ctx.getNodeParameter('groups.group', 0, []) as GroupRow[]) ?? [],
		(ctx.getNodeParameter('thresholds.threshold', 0, []) as ThresholdRow[]) ?? [],
		Number(ctx.getNodeParameter('totalCap', 0, 0)),
	);
}

const groupOf = (choice: string | undefined, name: string | undefined) => (choice === 'named' ? String(name ?? '').trim() : (choice ?? 'engagement'));

/** Builder rows → a scoring model, decided by the same compiler as the JSON and saved models. */
export function modelFromBuilder(rows: RuleRow[], groupRows: GroupRow[], thresholdRows: ThresholdRow[], totalCap: number): ScoringModel {
	const errors: ValidationError[] = [];
	const groups: ScoringModel['groups'] = {};
	const rules: ScoringRule[] = rows.map((row, i) => {
		const { conditions, errors: rowErrors } = conditionsFromRows([row], 'all', 'all');
		for (const e of rowErrors) errors.push({ path: `rules[${i}]${e.path.replace(/^conditions\[0\]/, '')}`, message: e.message });
		const group = groupOf(row.group as unknown as string, row.groupName);
		if (group) groups[group] ??= { label: group };
		let repeat: RepeatSpec = 'every';
		if (row.repeat === 'once') repeat = 'once';
		else if (row.repeat === 'atMost') repeat = { atMost: Number(row.times) };
		else if (row.repeat === 'oncePer') repeat = { oncePer: String(row.period ?? '').trim() };
		return {
			name: String(row.name ?? '').trim() || `rule-${i + 1}`,
			conditions: conditions as unknown as ScoringRule['conditions'],
			event: { type: 'score', params: { group, points: Number(row.points), repeat } },
		};
	});
	for (const row of groupRows) {
		const name = groupOf(row.group, row.groupName);
		const days = Number(row.days);
		const decay: DecaySpec =
			row.decay === 'linear'
				? { kind: 'linear', percent: Number(row.percent), everyDays: days }
				: row.decay === 'halfLife' || row.decay === 'expiry'
					? { kind: row.decay, days }
					: { kind: 'none' };
		groups[name] = { label: name, ...(Number(row.cap) > 0 ? { cap: Number(row.cap) } : {}), decay };
	}
	if (errors.length > 0) throw new RulesValidationError(errors);
	// fit and engagement always exist: the grade and thresholds read them
	groups.fit ??= { label: 'fit' };
	groups.engagement ??= { label: 'engagement' };
	return {
		name: 'builder',
		description: 'Rules built in the node',
		groups,
		...(totalCap > 0 ? { totalCap } : {}),
		thresholds: thresholdRows.map((t) => ({ name: String(t.name ?? ''), score: Number(t.score), group: groupOf(t.appliesTo, t.groupName) })),
		rules,
	};
}
