/**
 * Durations for "within the last" / "more than ... ago" and event windows: `{ amount, unit }`
 * or the short forms "30m", "24h", "7d", "2w", "3mo". Minutes and hours are exact lengths;
 * days, weeks and months are calendar steps in the contact's time zone (7 days before 12:00 is
 * 12:00 seven calendar days earlier, even across a daylight-saving change).
 */
import { DateTime } from 'luxon';
import { requireZone } from './context';

export type DurationUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'months';

export interface Duration {
	amount: number;
	unit: DurationUnit;
}

const UNIT_NAMES: Record<string, DurationUnit> = {
	m: 'minutes',
	min: 'minutes',
	mins: 'minutes',
	minute: 'minutes',
	minutes: 'minutes',
	h: 'hours',
	hr: 'hours',
	hrs: 'hours',
	hour: 'hours',
	hours: 'hours',
	d: 'days',
	day: 'days',
	days: 'days',
	w: 'weeks',
	week: 'weeks',
	weeks: 'weeks',
	mo: 'months',
	month: 'months',
	months: 'months',
};

export const DURATION_UNITS: readonly DurationUnit[] = [
	'minutes',
	'hours',
	'days',
	'weeks',
	'months',
];
const MAX_AMOUNT = 100_000;
const SHORT_FORM = /^\s*(\d{1,6})\s*([a-z]+)\s*$/i;
const HOW_TO = 'write it as { "amount": 7, "unit": "days" } or as "30m", "24h", "7d", "2w", "3mo"';

/** The duration, or a message saying what is wrong with it. */
export function parseDuration(value: unknown): Duration | string {
	let amount: unknown;
	let unitName: unknown;
	if (typeof value === 'string') {
		const match = SHORT_FORM.exec(value);
		if (!match) return `"${value}" is not a duration: ${HOW_TO}`;
		amount = Number(match[1]);
		unitName = match[2];
	} else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
		const keys = Object.keys(value);
		const extra = keys.filter((k) => k !== 'amount' && k !== 'unit');
		if (extra.length > 0) return `unknown duration property "${extra[0]}": ${HOW_TO}`;
		amount = (value as Record<string, unknown>).amount;
		unitName = (value as Record<string, unknown>).unit;
	} else {
		return `a duration is needed: ${HOW_TO}`;
	}
	const key = typeof unitName === 'string' ? unitName.toLowerCase() : '';
	const unit = Object.prototype.hasOwnProperty.call(UNIT_NAMES, key) ? UNIT_NAMES[key] : undefined;
	if (!unit) {
		return `unknown duration unit ${JSON.stringify(unitName)}: use ${DURATION_UNITS.join(', ')}`;
	}
	if (
		typeof amount !== 'number' ||
		!Number.isInteger(amount) ||
		amount < 1 ||
		amount > MAX_AMOUNT
	) {
		return `the duration amount must be a whole number from 1 to ${MAX_AMOUNT}, got ${JSON.stringify(amount)}`;
	}
	return { amount, unit };
}

const FIXED_MS: Partial<Record<DurationUnit, number>> = { minutes: 60_000, hours: 3_600_000 };

/** The instant `duration` before `now`, counted in `timezone` for calendar units. */
export function durationCutoff(duration: Duration, now: number, timezone: string): number {
	const fixed = FIXED_MS[duration.unit];
	if (fixed !== undefined) return now - duration.amount * fixed;
	const zone = requireZone(timezone);
	return DateTime.fromMillis(now, { zone })
		.minus({ [duration.unit]: duration.amount })
		.toMillis();
}

/**
 * A value that depends only on (now, zone), remembered per zone for the current `now`: the
 * compiled evaluator asks once per item, luxon answers once per (zone, now).
 */
export class PerZoneCache<T> {
	private readonly byZone = new Map<string, { now: number; value: T }>();

	constructor(private readonly compute: (now: number, timezone: string) => T) {}

	get(now: number, timezone: string): T {
		const hit = this.byZone.get(timezone);
		if (hit !== undefined && hit.now === now) return hit.value;
		const value = this.compute(now, timezone);
		if (hit !== undefined) {
			hit.now = now;
			hit.value = value;
		} else {
			if (this.byZone.size > 1000) this.byZone.clear();
			this.byZone.set(timezone, { now, value });
		}
		return value;
	}
}
