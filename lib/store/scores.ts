/**
 * The lead-score concept of the store. One update applies the rules that fired for one contact
 * in one atomic step: repeat limits per rule, group caps and the total cap, decay (computed from
 * the stored awards and their times at the store's "now", never by a scheduled job), threshold
 * state (a threshold fires once per upward crossing) and a bounded audit log.
 *
 * The memory store runs `applyScoreUpdate` below; the Redis store runs score-apply-2.lua, which
 * follows it step by step. The contract suite (test/store-suite-scores.ts) holds both to the
 * same answers.
 */
import { decayedPoints, type DecayRule, type RepeatLimit, type ScoreSettings } from '../../rules';

export type { ScoreSettings };

/** One rule that fired for the contact. */
export interface ScoreAward {
	rule: string;
	group: string;
	points: number;
	repeat: RepeatLimit;
}

export interface ScoreUpdate {
	contactId: string;
	awards: ScoreAward[];
	/**
	 * Idempotency key (e.g. the event id): an update whose key was applied before changes nothing
	 * and answers the first answer's crossings, so a retried item is neither counted twice nor
	 * loses its Qualified.
	 */
	key?: string;
}

export interface ScoreOptions {
	settings: ScoreSettings;
	/** how long a contact's score lives after its last change */
	ttlSeconds: number;
	/** audit-log entries kept per contact */
	logLimit: number;
	/** bound on the store call, ms (default: the store's command timeout) */
	timeoutMs?: number;
}

export interface AppliedRule {
	rule: string;
	group: string;
	/** points actually added after caps (0 when a cap was full) */
	points: number;
}

export interface ScoreState {
	contactId: string;
	/** sum of the groups, 2 decimals */
	total: number;
	/** every group of the settings, decayed to `at`, 2 decimals */
	groups: Record<string, number>;
	/** total after − total before this step */
	delta: number;
	/** thresholds crossed upward in this step */
	crossed: string[];
	/** thresholds the contact is at or above now */
	above: string[];
	/** rules that gave points in this step (repeat limits passed) */
	applied: AppliedRule[];
	/** the update's key had been applied before: nothing changed */
	duplicate: boolean;
	/** the store's time of the step, epoch ms */
	at: number;
}

export interface ScoreLogEntry {
	at: number;
	delta: number;
	total: number;
	rules: AppliedRule[];
	crossed: string[];
	/** groups reset in this step */
	reset?: string[];
}

export interface ScoreResetRequest {
	contactId: string;
	groups: string[];
}

export interface ScoreStore {
	/** One atomic step per update; result[i] answers updates[i] (a contact's updates in order). */
	apply(updates: ScoreUpdate[], options: ScoreOptions): Promise<ScoreState[]>;
	/** The scores now (decayed), changing nothing. */
	get(contactIds: string[], options: ScoreOptions): Promise<ScoreState[]>;
	/** Drops every point of the groups (repeat history stays), then re-reads thresholds. */
	reset(requests: ScoreResetRequest[], options: ScoreOptions): Promise<ScoreState[]>;
	/** The newest audit-log entries first, at most `limit` per contact. */
	log(contactIds: string[], limit: number): Promise<ScoreLogEntry[][]>;
}

/** Awards kept per group when its decay needs their times (linear, expiry); older ones merge. */
export const SCORE_MAX_AWARDS = 256;
/** Update keys remembered per contact for idempotency. */
export const SCORE_MAX_KEYS = 256;

/** A contact's stored score, as the memory store keeps it (the Redis hash holds the same). */
export interface StoredScore {
	/** group → awards [at, points], oldest first */
	groups: Record<string, Array<[number, number]>>;
	/** rule → [times given, last given at] */
	rules: Record<string, [number, number]>;
	/** thresholds currently marked as reached */
	reached: Record<string, true>;
	/** recent update keys and the crossings they answered */
	keys: Array<[string, string[]]>;
}

export const emptyStoredScore = (): StoredScore => ({ groups: {}, rules: {}, reached: {}, keys: [] });

export const round2 = (x: number): number => Math.round(x * 100) / 100;

function groupWorth(awards: Array<[number, number]> | undefined, decay: DecayRule, now: number): number {
	let sum = 0;
	if (awards) for (const [at, points] of awards) sum += decayedPoints(decay, points, at, now);
	return sum;
}

function worths(stored: StoredScore, settings: ScoreSettings, now: number): { groups: Record<string, number>; total: number } {
	const groups: Record<string, number> = {};
	let total = 0;
	for (const [name, group] of Object.entries(settings.groups)) {
		groups[name] = groupWorth(stored.groups[name], group.decay, now);
		total += groups[name];
	}
	return { groups, total };
}

const thresholdValue = (values: { groups: Record<string, number>; total: number }, group: string) =>
	round2(group === 'total' ? values.total : (values.groups[group] ?? 0));

function stateOf(contactId: string, values: { groups: Record<string, number>; total: number }, settings: ScoreSettings, at: number): ScoreState {
	const groups: Record<string, number> = {};
	for (const [name, value] of Object.entries(values.groups)) groups[name] = round2(value);
	return {
		contactId,
		total: round2(values.total),
		groups,
		delta: 0,
		crossed: [],
		above: settings.thresholds.filter((t) => thresholdValue(values, t.group) >= t.score).map((t) => t.name),
		applied: [],
		duplicate: false,
		at,
	};
}

/** Forgets reached thresholds the contact is now below (decay or negative points took them there). */
function unmarkBelow(stored: StoredScore, settings: ScoreSettings, values: { groups: Record<string, number>; total: number }): void {
	for (const t of settings.thresholds) if (stored.reached[t.name] && thresholdValue(values, t.group) < t.score) delete stored.reached[t.name];
}

/** Rewrites a group's awards: one award at `now` where the decay allows it, else without the worthless ones, bounded. */
function compact(awards: Array<[number, number]>, decay: DecayRule, now: number): Array<[number, number]> {
	if (decay.kind === 'none' || decay.kind === 'halfLife') {
		const worth = groupWorth(awards, decay, now);
		return worth === 0 ? [] : [[now, worth]];
	}
	const kept = awards.filter(([at, points]) => decayedPoints(decay, points, at, now) !== 0);
	while (kept.length > SCORE_MAX_AWARDS) {
		// the two oldest become one at the newer time: the points last a little longer, never less
		const [a, b] = kept.splice(0, 2);
		kept.unshift([b[0], a[1] + b[1]]);
	}
	return kept;
}

/** The read: the score decayed to `now`, nothing changed. */
export function readScore(contactId: string, stored: StoredScore | undefined, settings: ScoreSettings, now: number): ScoreState {
	return stateOf(contactId, worths(stored ?? emptyStoredScore(), settings, now), settings, now);
}

/** One atomic update of `stored` (mutated) at `now`; the returned log entry is undefined for a duplicate. */
export function applyScoreUpdate(
	stored: StoredScore,
	update: ScoreUpdate,
	settings: ScoreSettings,
	now: number,
): { state: ScoreState; log?: ScoreLogEntry } {
	if (update.key !== undefined) {
		const seen = stored.keys.find(([key]) => key === update.key);
		if (seen) return { state: { ...readScore(update.contactId, stored, settings, now), crossed: [...seen[1]], duplicate: true } };
	}
	const before = worths(stored, settings, now);
	unmarkBelow(stored, settings, before);
	const groups = { ...before.groups };
	let total = before.total;
	const applied: AppliedRule[] = [];
	for (const award of update.awards) {
		const group = settings.groups[award.group];
		if (!group) continue;
		const history = stored.rules[award.rule];
		const repeat = award.repeat;
		if (history && repeat.kind === 'atMost' && history[0] >= repeat.n) continue;
		if (history && repeat.kind === 'oncePer' && now - history[1] < repeat.ms) continue;
		let points = award.points;
		if (points > 0) {
			let room = Infinity;
			if (group.cap !== undefined) room = Math.min(room, group.cap - groups[award.group]);
			if (settings.totalCap !== undefined) room = Math.min(room, settings.totalCap - total);
			points = Math.min(points, Math.max(0, room));
		}
		stored.rules[award.rule] = [(history?.[0] ?? 0) + 1, now];
		if (points !== 0) {
			(stored.groups[award.group] ??= []).push([now, points]);
			groups[award.group] += points;
			total += points;
		}
		applied.push({ rule: award.rule, group: award.group, points: round2(points) });
	}
	for (const [name, group] of Object.entries(settings.groups)) {
		if (stored.groups[name]) stored.groups[name] = compact(stored.groups[name], group.decay, now);
		if (stored.groups[name]?.length === 0) delete stored.groups[name];
	}
	const after = worths(stored, settings, now);
	const crossed: string[] = [];
	for (const t of settings.thresholds) {
		const reached = thresholdValue(after, t.group) >= t.score;
		if (reached && !stored.reached[t.name]) {
			stored.reached[t.name] = true;
			crossed.push(t.name);
		} else if (!reached) delete stored.reached[t.name];
	}
	const state = stateOf(update.contactId, after, settings, now);
	state.delta = round2(state.total - round2(before.total));
	state.crossed = crossed;
	state.applied = applied;
	if (update.key !== undefined) {
		stored.keys.push([update.key, crossed]);
		if (stored.keys.length > SCORE_MAX_KEYS) stored.keys.shift();
	}
	const log: ScoreLogEntry = { at: now, delta: state.delta, total: state.total, rules: applied, crossed };
	return { state, log };
}

/** Drops the groups' points and re-reads the thresholds. */
export function resetScoreGroups(
	stored: StoredScore,
	request: ScoreResetRequest,
	settings: ScoreSettings,
	now: number,
): { state: ScoreState; log: ScoreLogEntry } {
	const before = round2(worths(stored, settings, now).total);
	for (const group of request.groups) delete stored.groups[group];
	const after = worths(stored, settings, now);
	unmarkBelow(stored, settings, after);
	const state = stateOf(request.contactId, after, settings, now);
	state.delta = round2(state.total - before);
	return { state, log: { at: now, delta: state.delta, total: state.total, rules: [], crossed: [], reset: [...request.groups] } };
}
