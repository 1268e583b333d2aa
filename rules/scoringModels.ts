/**
 * Scoring models for Lead Score: json-rules-engine rules whose event params carry the points
 * (`{ type: "score", params: { group, points, reason } }`), score groups (fit vs engagement)
 * with an optional cap and half-life each, and thresholds. The JSON files in scoring-models/
 * are the source; each passes validateScoringModel (tested).
 */
import b2bDefault from './scoring-models/b2b-default.json';
import { parseDuration } from './durations';
import { show } from './operators/definition';
import type { RuleDefinition, ValidationError } from './types';
import { validateRule } from './validate';

export interface ScoringGroup {
	label: string;
	/** the group's score never goes above this */
	cap?: number;
	/** the group's points halve after this long without new points ("30d" or { amount, unit }) */
	halfLife?: unknown;
}

export interface ScoringRule extends RuleDefinition {
	name: string;
	event: { type: string; params: { group: string; points: number; reason?: string } };
}

export interface ScoringModel {
	name: string;
	description: string;
	groups: Record<string, ScoringGroup>;
	thresholds?: { name: string; score: number }[];
	rules: ScoringRule[];
}

const MODELS: readonly ScoringModel[] = [b2bDefault as ScoringModel];
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
		if (!isObject(group) || typeof group.label !== 'string') {
			errors.push({ path, message: 'a group needs a label' });
			continue;
		}
		if (group.cap !== undefined && !(typeof group.cap === 'number' && group.cap > 0)) {
			errors.push({
				path: `${path}.cap`,
				message: `a cap must be a number above 0, got ${show(group.cap)}`,
			});
		}
		if (group.halfLife !== undefined) {
			const d = parseDuration(group.halfLife);
			if (typeof d === 'string') errors.push({ path: `${path}.halfLife`, message: d });
		}
	}
	if (model.thresholds !== undefined) {
		if (!Array.isArray(model.thresholds))
			errors.push({ path: 'thresholds', message: 'thresholds must be a list' });
		else
			model.thresholds.forEach((t, i) => {
				if (
					!isObject(t) ||
					typeof t.name !== 'string' ||
					typeof t.score !== 'number' ||
					!Number.isFinite(t.score)
				) {
					errors.push({
						path: `thresholds[${i}]`,
						message: 'a threshold is { "name": "...", "score": 60 }',
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
	});
	return errors;
}
