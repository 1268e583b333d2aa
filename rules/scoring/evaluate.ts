/**
 * A scoring model compiled for many items: each rule's conditions become one compiled closure
 * (compile.ts), evaluated per item without promises or almanacs; the result is the list of
 * rules that fire, with their points, group and repeat limit, which the store then applies
 * (repeat limits, caps, decay, thresholds). The same rules in plain json-rules-engine fire the
 * same events (the model differential test).
 */
import { compileConditions, type CompiledConditions } from '../compile';
import type { DynamicFacts, EventCountQuery } from '../events';
import { validateScoringModel, type ScoringModel } from '../scoringModels';
import type { EvaluationContext } from '../types';
import { RulesValidationError } from '../validate';
import { decayRule, repeatLimit, type DecayRule, type RepeatLimit } from './spec';

export interface FiredRule {
	name: string;
	group: string;
	points: number;
	repeat: RepeatLimit;
}

/** What the store needs to apply points: groups with cap and decay, the total cap, thresholds. */
export interface ScoreSettings {
	groups: Record<string, { cap?: number; decay: DecayRule }>;
	totalCap?: number;
	thresholds: Array<{ name: string; score: number; group: string }>;
}

interface CompiledRule extends FiredRule {
	test: CompiledConditions;
	from: number;
	until: number;
}

export interface CompiledScoringModel {
	readonly model: ScoringModel;
	readonly settings: ScoreSettings;
	/** the event counts any rule needs (empty: no history is needed) */
	readonly eventQueries: readonly EventCountQuery[];
	/** the rules whose conditions hold for `facts` and whose validity covers ctx.now, in model order */
	fire(facts: unknown, ctx: EvaluationContext, dynamic?: DynamicFacts): FiredRule[];
}

/** Validates and compiles; a broken model throws RulesValidationError with every path. */
export function compileScoringModel(model: ScoringModel): CompiledScoringModel {
	const errors = validateScoringModel(model);
	if (errors.length > 0) throw new RulesValidationError(errors);
	const rules: CompiledRule[] = model.rules.map((rule, i) => {
		const params = rule.event.params;
		return {
			name: rule.name,
			group: params.group,
			points: params.points,
			repeat: repeatLimit(params.repeat),
			test: compileConditions(rule.conditions, { path: `rules[${i}].conditions` }),
			from: params.validFrom === undefined ? -Infinity : Date.parse(params.validFrom),
			until: params.validUntil === undefined ? Infinity : Date.parse(params.validUntil),
		};
	});
	const queries = new Map<string, EventCountQuery>();
	for (const rule of rules) for (const q of rule.test.eventQueries) queries.set(q.key, q);
	const groups: ScoreSettings['groups'] = {};
	for (const [name, group] of Object.entries(model.groups)) {
		groups[name] = { ...(group.cap !== undefined ? { cap: group.cap } : {}), decay: decayRule(group.decay, group.halfLife) };
	}
	const settings: ScoreSettings = {
		groups,
		...(model.totalCap !== undefined ? { totalCap: model.totalCap } : {}),
		thresholds: (model.thresholds ?? []).map((t) => ({ name: t.name, score: t.score, group: t.group ?? 'total' })),
	};
	return {
		model,
		settings,
		eventQueries: [...queries.values()],
		fire(facts, ctx, dynamic) {
			const fired: FiredRule[] = [];
			for (const rule of rules) {
				if (ctx.now < rule.from || ctx.now >= rule.until) continue;
				const answer = rule.test.evaluate(facts, ctx, dynamic);
				if (answer === undefined) {
					throw new Error(`rule "${rule.name}" needs the contact's event history, which was not supplied`);
				}
				if (answer) fired.push({ name: rule.name, group: rule.group, points: rule.points, repeat: rule.repeat });
			}
			return fired;
		},
	};
}

/** Grade bands: fit A/B/C by the fit score, engagement 1/2/3 by the engagement score. */
export interface GradeBands {
	fitA: number;
	fitB: number;
	engagement1: number;
	engagement2: number;
}

export const DEFAULT_GRADE_BANDS: GradeBands = { fitA: 40, fitB: 20, engagement1: 40, engagement2: 15 };

/** "A1" (best fit, most engaged) … "C3". */
export function gradeOf(fit: number, engagement: number, bands: GradeBands): string {
	const letter = fit >= bands.fitA ? 'A' : fit >= bands.fitB ? 'B' : 'C';
	const digit = engagement >= bands.engagement1 ? '1' : engagement >= bands.engagement2 ? '2' : '3';
	return letter + digit;
}
