/**
 * Scoring models for Lead Score: json-rules-engine rules whose event params carry the points
 * (`{ type: "score", params: { group, points, repeat?, validFrom?, validUntil?, reason? } }`),
 * score groups (fit, engagement or any named group) with a cap and a decay each, a cap on the
 * total, and thresholds on a group or the total. The JSON files in scoring-models/ are the
 * source; each passes validateScoringModel (tested). Evaluation is in scoring/evaluate.ts.
 */
import b2bDefault from './scoring-models/b2b-default.json';
import ecommerceEngagement from './scoring-models/ecommerce-engagement.json';
import { validateDecay, validateRepeat, type DecaySpec, type RepeatSpec } from './scoring/spec';
import { parseDuration } from './durations';
import { show } from './operators/definition';
import type { RuleDefinition, ValidationError } from './types';
import { validateRule } from './validate';

export interface ScoringGroup {
	label: string;
	/** the group's score never goes above this */
	cap?: number;
	/** how the group's points fade: none, linear, half-life or expiry */
	decay?: DecaySpec;
	/** older form of `decay: { kind: "halfLife" }`: "30d" or { amount, unit } */
	halfLife?: unknown;
}

export interface ScoringRuleParams extends Record<string, unknown> {
	group: string;
	/** negative points take points away */
	points: number;
	/** "every" (default), "once" per contact, { "atMost": N } or { "oncePer": "7d" } */
	repeat?: RepeatSpec;
	/** the rule gives points only from / until these instants (ISO date-times) */
	validFrom?: string;
	validUntil?: string;
	reason?: string;
}

export interface ScoringRule extends RuleDefinition {
	name: string;
	event: { type: string; params: ScoringRuleParams };
}

export interface ScoringThreshold {
	name: string;
	score: number;
	/** the group it reads, or "total" (default) */
	group?: string;
}

export interface ScoringModel {
	name: string;
	description: string;
	groups: Record<string, ScoringGroup>;
	/** the total (sum of the groups) never goes above this */
	totalCap?: number;
	thresholds?: ScoringThreshold[];
	rules: ScoringRule[];
}

const MODELS: readonly ScoringModel[] = [b2bDefault as ScoringModel, ecommerceEngagement as ScoringModel];
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function listScoringModels(): ScoringModel[] {
	return MODELS.map(copy);
}

/** The model of that name (a copy); an unknown name throws an error listing the known ones. */
export function getScoringModel(name: string): ScoringModel {
	const found = MODELS.find((model) => model.name === name);
	if (!found)
		throw new Error(
			`unknown scoring model "${name}": the library has ${MODELS.map((m) => m.name).join(', ')}`,
		);
	return copy(found);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
	value !== null && typeof value === 'object' && !Array.isArray(value);

const positiveCap = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** Every problem of a scoring model, with paths such as `rules[3].event.params.points`. */
export function validateScoringModel(model: unknown): ValidationError[] {
	if (!isObject(model))
		return [{ path: 'model', message: `a scoring model must be an object, got ${show(model)}` }];
	const errors: ValidationError[] = [];
	if (typeof model.name !== 'string' || model.name === '')
		errors.push({ path: 'name', message: 'the model needs a name' });
	if (typeof model.description !== 'string' || model.description === '') {
		errors.push({ path: 'description', message: 'the model needs a description' });
	}
	const groups = isObject(model.groups) ? model.groups : {};
	if (!isObject(model.groups) || Object.keys(groups).length === 0) {
		errors.push({
			path: 'groups',
			message: 'the model needs at least one score group, e.g. { "fit": { "label": "Fit" } }',
		});
	}
	for (const [key, group] of Object.entries(groups)) {
		const path = `groups.${key}`;
		if (key === 'total') errors.push({ path, message: '"total" is the sum of the groups: name the group otherwise' });
		if (!isObject(group) || typeof group.label !== 'string') {
			errors.push({ path, message: 'a group needs a label' });
			continue;
		}
		if (group.cap !== undefined && !positiveCap(group.cap)) {
			errors.push({
				path: `${path}.cap`,
				message: `a cap must be a number above 0, got ${show(group.cap)}`,
			});
		}
		if (group.halfLife !== undefined) {
			const d = parseDuration(group.halfLife);
			if (typeof d === 'string') errors.push({ path: `${path}.halfLife`, message: d });
		}
		if (group.decay !== undefined) {
			const problem = validateDecay(group.decay);
			if (problem) errors.push({ path: `${path}.decay`, message: problem });
		}
	}
	if (model.totalCap !== undefined && !positiveCap(model.totalCap)) {
		errors.push({ path: 'totalCap', message: `a cap must be a number above 0, got ${show(model.totalCap)}` });
	}
	if (model.thresholds !== undefined) {
		const seen = new Set<unknown>();
		if (!Array.isArray(model.thresholds))
			errors.push({ path: 'thresholds', message: 'thresholds must be a list' });
		else
			model.thresholds.forEach((t, i) => {
				if (isObject(t) && seen.has(t.name)) errors.push({ path: `thresholds[${i}].name`, message: `the threshold name ${show(t.name)} is used twice` });
				if (isObject(t)) seen.add(t.name);
				if (
					!isObject(t) ||
					typeof t.name !== 'string' ||
					t.name === '' ||
					typeof t.score !== 'number' ||
					!Number.isFinite(t.score)
				) {
					errors.push({
						path: `thresholds[${i}]`,
						message: 'a threshold is { "name": "...", "score": 60, "group": "total" }',
					});
				} else if (t.group !== undefined && t.group !== 'total' && !(typeof t.group === 'string' && Object.prototype.hasOwnProperty.call(groups, t.group))) {
					errors.push({
						path: `thresholds[${i}].group`,
						message: `unknown group ${show(t.group)}: use "total" or one of ${Object.keys(groups).join(', ')}`,
					});
				}
			});
	}
	if (!Array.isArray(model.rules) || model.rules.length === 0) {
		errors.push({ path: 'rules', message: 'the model needs at least one rule' });
		return errors;
	}
	const names = new Set<string>();
	model.rules.forEach((rule, i) => {
		const path = `rules[${i}]`;
		for (const e of validateRule(rule))
			errors.push({ path: `${path}.${e.path}`, message: e.message });
		if (!isObject(rule)) return;
		if (typeof rule.name !== 'string' || rule.name === '')
			errors.push({ path: `${path}.name`, message: 'each scoring rule needs a name' });
		else if (names.has(rule.name))
			errors.push({ path: `${path}.name`, message: `the rule name "${rule.name}" is used twice` });
		else names.add(rule.name);
		const params =
			isObject(rule.event) && isObject(rule.event.params) ? rule.event.params : undefined;
		if (!params) {
			errors.push({
				path: `${path}.event.params`,
				message: 'a scoring rule needs event params { "group", "points" }',
			});
			return;
		}
		if (typeof params.points !== 'number' || !Number.isFinite(params.points)) {
			errors.push({
				path: `${path}.event.params.points`,
				message: `points must be a number, got ${show(params.points)}`,
			});
		}
		if (
			typeof params.group !== 'string' ||
			!Object.prototype.hasOwnProperty.call(groups, params.group)
		) {
			errors.push({
				path: `${path}.event.params.group`,
				message: `unknown group ${show(params.group)}: the model has ${Object.keys(groups).join(', ')}`,
			});
		}
		if (params.repeat !== undefined) {
			const problem = validateRepeat(params.repeat);
			if (problem) errors.push({ path: `${path}.event.params.repeat`, message: problem });
		}
		for (const key of ['validFrom', 'validUntil'] as const) {
			const value = params[key];
			if (value !== undefined && !(typeof value === 'string' && Number.isFinite(Date.parse(value)))) {
				errors.push({
					path: `${path}.event.params.${key}`,
					message: `${key} must be an ISO date-time such as "2026-01-01T00:00:00Z", got ${show(value)}`,
				});
			}
		}
	});
	return errors;
}
