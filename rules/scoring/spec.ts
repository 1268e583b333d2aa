/**
 * The two per-rule and per-group settings of a scoring model in the marketer's form, and the
 * numeric form the store applies. Days here are 24 hours of elapsed time (the store's clock),
 * so a daylight-saving change or a short month never moves a decay step; `oncePer` durations
 * count minutes, hours, days (24 h), weeks (7 days) and months (30 days) the same way.
 */
import { parseDuration, type DurationUnit } from '../durations';
import { show } from '../operators/definition';

export const DAY_MS = 86_400_000;

/** How a group's points fade with time. */
export type DecaySpec =
	| { kind: 'none' }
	/** each award loses `percent` % of its points every `everyDays` days, down to 0 */
	| { kind: 'linear'; percent: number; everyDays: number }
	/** each award halves every `days` days */
	| { kind: 'halfLife'; days: number }
	/** each award drops out `days` days after it was given */
	| { kind: 'expiry'; days: number };

/** How often one rule may give points to one contact. */
export type RepeatSpec = 'every' | 'once' | { atMost: number } | { oncePer: unknown };

/** The store's form of a decay: fractions and milliseconds. */
export type DecayRule =
	| { kind: 'none' }
	| { kind: 'linear'; fraction: number; stepMs: number }
	| { kind: 'halfLife'; ms: number }
	| { kind: 'expiry'; ms: number };

/** The store's form of a repeat limit. */
export type RepeatLimit = { kind: 'every' } | { kind: 'atMost'; n: number } | { kind: 'oncePer'; ms: number };

const isObject = (value: unknown): value is Record<string, unknown> =>
	value !== null && typeof value === 'object' && !Array.isArray(value);
const positive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

export function validateDecay(decay: unknown): string | undefined {
	const how =
		'use { "kind": "none" }, { "kind": "linear", "percent": 10, "everyDays": 7 }, { "kind": "halfLife", "days": 30 } or { "kind": "expiry", "days": 90 }';
	if (!isObject(decay)) return `a decay is an object: ${how}, got ${show(decay)}`;
	switch (decay.kind) {
		case 'none':
			return undefined;
		case 'linear':
			if (!(positive(decay.percent) && decay.percent <= 100)) return `percent must be above 0 and at most 100, got ${show(decay.percent)}`;
			if (!positive(decay.everyDays)) return `everyDays must be a number of days above 0, got ${show(decay.everyDays)}`;
			return undefined;
		case 'halfLife':
		case 'expiry':
			if (!positive(decay.days)) return `days must be a number of days above 0, got ${show(decay.days)}`;
			return undefined;
		default:
			return `unknown decay kind ${show(decay.kind)}: ${how}`;
	}
}

export function validateRepeat(repeat: unknown): string | undefined {
	const how = 'use "every", "once", { "atMost": 3 } or { "oncePer": "7d" }';
	if (repeat === 'every' || repeat === 'once') return undefined;
	if (isObject(repeat) && Object.keys(repeat).length === 1) {
		if ('atMost' in repeat)
			return Number.isInteger(repeat.atMost) && (repeat.atMost as number) >= 1
				? undefined
				: `atMost must be a whole number of times ≥ 1, got ${show(repeat.atMost)}`;
		if ('oncePer' in repeat) {
			const d = parseDuration(repeat.oncePer);
			return typeof d === 'string' ? `oncePer: ${d}` : undefined;
		}
	}
	return `unknown repeat ${show(repeat)}: ${how}`;
}

const UNIT_MS: Record<DurationUnit, number> = {
	minutes: 60_000,
	hours: 3_600_000,
	days: DAY_MS,
	weeks: 7 * DAY_MS,
	months: 30 * DAY_MS,
};

/** The store's form of a validated repeat (undefined = every time). */
export function repeatLimit(repeat: RepeatSpec | undefined): RepeatLimit {
	if (repeat === undefined || repeat === 'every') return { kind: 'every' };
	if (repeat === 'once') return { kind: 'atMost', n: 1 };
	if ('atMost' in repeat) return { kind: 'atMost', n: repeat.atMost };
	const d = parseDuration(repeat.oncePer);
	if (typeof d === 'string') throw new Error(d);
	return { kind: 'oncePer', ms: d.amount * UNIT_MS[d.unit] };
}

/** The store's form of a validated decay; the legacy `halfLife` duration is read too. */
export function decayRule(decay: DecaySpec | undefined, legacyHalfLife?: unknown): DecayRule {
	if (decay === undefined && legacyHalfLife !== undefined) {
		const d = parseDuration(legacyHalfLife);
		if (typeof d === 'string') throw new Error(d);
		return { kind: 'halfLife', ms: d.amount * UNIT_MS[d.unit] };
	}
	if (decay === undefined) return { kind: 'none' };
	switch (decay.kind) {
		case 'none':
			return { kind: 'none' };
		case 'linear':
			return { kind: 'linear', fraction: decay.percent / 100, stepMs: decay.everyDays * DAY_MS };
		case 'halfLife':
			return { kind: 'halfLife', ms: decay.days * DAY_MS };
		case 'expiry':
			return { kind: 'expiry', ms: decay.days * DAY_MS };
	}
}

/**
 * What `points` given at `at` are worth at `now` under a decay. The Redis script computes the
 * same (score-apply-2.lua, `worth`); keep both in step.
 */
export function decayedPoints(rule: DecayRule, points: number, at: number, now: number): number {
	const age = now > at ? now - at : 0;
	switch (rule.kind) {
		case 'none':
			return points;
		case 'halfLife':
			return points * Math.pow(0.5, age / rule.ms);
		case 'linear': {
			const left = 1 - rule.fraction * Math.floor(age / rule.stepMs);
			return left > 0 ? points * left : 0;
		}
		case 'expiry':
			return age < rule.ms ? points : 0;
	}
}
