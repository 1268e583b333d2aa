/**
 * Journey KPIs: per-journey, per-step, per-variant, per-day counters of what each package node
 * did with the items that carry a journey context (`item.json.journey`, set by Journey Entry).
 * The Journey Report reads them; every node adds its counts in one store call per execution
 * (lib/n8n/kpis.ts `countOutcomes`).
 *
 * A count row is (journey, step, variant, day, outcome) → count, where
 *   journey  `journey.name` of the item
 *   step     the n8n node name of the node that counted ('' for journey-level rows)
 *   variant  `experiment.variant` of the item ('' when none, 'holdout' for a holdout)
 *   day      'YYYY-MM-DD', the UTC day of the store's clock when counted
 *
 * Outcomes per node (the step is the node's name):
 *   Journey Entry      entered · not_entered (a retry of the same entry, reason same_entry, is
 *                      not counted again)
 *   Segment Filter     matched · not_matched
 *   Frequency Cap      Check (and Reserve): allowed · capped:<reason> (limit_reached, min_gap,
 *                      quiet_hours, store_unavailable, …; allowed covers within_limits,
 *                      already_reserved and bypass); Record Send: recorded · not_recorded:<reason>;
 *                      Release: released · not_released:<reason>
 *   Wait Until Event   waiting (the contact parked, today) · event (resumed by the event, today) ·
 *                      timeout. n8n forwards a timed-out item without calling the node, so a
 *                      parked wait counts +1 timeout under the day it will time out, and an event
 *                      that resumes it takes that back (-1 on that day): a day's timeout count is
 *                      exact once the day is over
 *   Channel Send       sent · not_sent:<reason> (consent, unsubscribed, quiet_hours, global_holdout, …)
 *   Lead Score         qualified · not_qualified
 *   Journey Split      assigned (one row per variant, 'holdout' included)
 *   conversions        converted: step = the node that sent the entry's last message before the
 *                      conversion event ('' when none was sent), variant = the entry's variant
 * Items that failed (error output) are not counted.
 */

export interface KpiCount {
	/** journey name */
	journey: string;
	/** the node's name in the workflow (n8n node name), '' for journey-level rows */
	step: string;
	/** experiment variant from item.json.experiment.variant, or '' when none ('holdout' for holdout) */
	variant: string;
	/** 'YYYY-MM-DD' UTC day of the store clock */
	day: string;
	/** e.g. 'entered', 'not_entered', 'matched', 'not_matched', 'allowed', 'capped:<reason>', 'event', 'timeout', 'sent', 'not_sent:<reason>', 'qualified', 'assigned', 'converted' */
	outcome: string;
	count: number;
}

export interface KpiQuery {
	/** only these journeys; every journey counted in the range when omitted */
	journeys?: string[];
	/** 'YYYY-MM-DD', inclusive */
	fromDay: string;
	/** 'YYYY-MM-DD', inclusive */
	toDay: string;
}

export interface KpiAddOptions {
	/** bound on the call, ms (default: the store's command timeout) */
	timeoutMs?: number;
}

export interface KpiStore {
	/** adds counts: one round trip for the whole list (pipelined, one slot per key group), TTL'd, in the namespace */
	add(counts: KpiCount[], options?: KpiAddOptions): Promise<void>;
	/** every count for the given journeys (all when omitted) with fromDay <= day <= toDay */
	read(query: KpiQuery): Promise<KpiCount[]>;
	/** the store clock's UTC day ('YYYY-MM-DD') now, without a round trip: the day to count under */
	today(): string;
	/** resolves once every add this process started has finished (nodes do not wait for their counts); read does this first */
	flush(): Promise<void>;
}

/** How long a day's counters live after their last change, by default: a year and a bit, for year-on-year reports. */
export const DEFAULT_KPI_RETENTION_DAYS = 400;
/** The longest date range one read covers. */
export const KPI_MAX_READ_DAYS = 1000;

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' of an epoch ms, UTC. */
export function kpiDay(epochMs: number): string {
	return new Date(epochMs).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' day (NaN when malformed). */
export function kpiDayNumber(day: string): number {
	if (!DAY_PATTERN.test(day)) return NaN;
	const ms = Date.parse(`${day}T00:00:00Z`);
	return Number.isFinite(ms) && kpiDay(ms) === day ? ms / DAY_MS : NaN;
}

/** Every day of a query's range, oldest first; throws on a malformed or too long range. */
export function kpiDaysOf(query: KpiQuery): string[] {
	const from = kpiDayNumber(query.fromDay);
	const to = kpiDayNumber(query.toDay);
	if (!Number.isFinite(from)) throw new Error(`fromDay "${query.fromDay}" is not a day like 2026-03-01`);
	if (!Number.isFinite(to)) throw new Error(`toDay "${query.toDay}" is not a day like 2026-03-01`);
	if (to - from + 1 > KPI_MAX_READ_DAYS) throw new Error(`a KPI read covers at most ${KPI_MAX_READ_DAYS} days (${query.fromDay} to ${query.toDay} is more)`);
	const days: string[] = [];
	for (let d = from; d <= to; d++) days.push(kpiDay(d * DAY_MS));
	return days;
}

/** Throws when a count cannot be stored (a bug in the caller). */
export function validateKpiCount(c: KpiCount): void {
	if (!c.journey) throw new Error('a KPI count needs a journey name');
	if (!c.outcome) throw new Error(`a KPI count of journey "${c.journey}" needs an outcome`);
	if (!Number.isFinite(kpiDayNumber(c.day))) throw new Error(`KPI day "${c.day}" is not a day like 2026-03-01`);
	if (!Number.isInteger(c.count)) throw new Error(`KPI count ${c.count} is not a whole number`);
}

/**
 * Counts of one (journey, day) summed by (step, variant, outcome): what one key (Redis) or one
 * map (memory) receives. Zero sums are left out.
 */
export function groupKpiCounts(counts: KpiCount[]): Map<string, { journey: string; day: string; fields: Map<string, number> }> {
	const groups = new Map<string, { journey: string; day: string; fields: Map<string, number> }>();
	for (const c of counts) {
		validateKpiCount(c);
		const id = `${c.journey}\u0000${c.day}`;
		let group = groups.get(id);
		if (!group) groups.set(id, (group = { journey: c.journey, day: c.day, fields: new Map() }));
		const field = kpiField(c.step ?? '', c.variant ?? '', c.outcome);
		group.fields.set(field, (group.fields.get(field) ?? 0) + c.count);
	}
	for (const group of groups.values()) for (const [field, n] of group.fields) if (n === 0) group.fields.delete(field);
	return groups;
}

/** The field of one (step, variant, outcome) inside a journey's day: JSON, so any node name fits. */
export function kpiField(step: string, variant: string, outcome: string): string {
	return JSON.stringify([step, variant, outcome]);
}

export function parseKpiField(field: string): { step: string; variant: string; outcome: string } | undefined {
	try {
		const parsed = JSON.parse(field) as unknown;
		if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((p) => typeof p === 'string')) return undefined;
		return { step: parsed[0], variant: parsed[1], outcome: parsed[2] };
	} catch {
		return undefined;
	}
}
