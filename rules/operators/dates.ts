/**
 * Relative and absolute date operators, counted in the contact's time zone (ctx.timezone).
 * - withinLast: now - duration <= date <= now (a date in the future is not "within the last").
 * - moreThanAgo: date < now - duration.
 * - before / after a date-time: strictly earlier / later. A date without a time means the
 *   whole day in the contact's zone: before "2024-03-01" is earlier than that day's start,
 *   after "2024-03-01" is from the next day's start on. The value may also be another field
 *   (`{ "fact": "lastEmailAt" }`), read the same way per contact.
 * - anniversaryWithin N: the fact's month/day falls on one of the N days starting today (N = 1
 *   is today only). A Feb 29 date is celebrated on Feb 28 in years without Feb 29.
 * Everything that depends only on (now, zone) is computed once per pair and cached, so the
 * per-item work is parsing the fact and comparing numbers.
 */
import { DateTime } from 'luxon';
import { requireZone } from '../context';
import {
	civilFromDays,
	isLeapYear,
	isoPartsToEpoch,
	monthDayOfFact,
	parseIsoParts,
	toEpochMs,
} from '../dates';
import { durationCutoff, parseDuration, PerZoneCache, type Duration } from '../durations';
import { defineOperator, type OperatorDefinition } from './definition';

function cutoffs(value: unknown): PerZoneCache<number> {
	const duration = parseDuration(value) as Duration;
	return new PerZoneCache((now, timezone) => durationCutoff(duration, now, timezone));
}

const NOT_A_DATE = new PerZoneCache<number>(() => NaN);

/**
 * The instant a before/after value stands for; `nextDay` moves a date-only value to the next
 * day's start. A value read from another field may be anything: epoch ms and Dates are
 * instants, text is read as ISO, and whatever is not a date makes the condition false.
 */
function boundary(value: unknown, nextDay: boolean): PerZoneCache<number> {
	if (typeof value !== 'string') {
		const fixed = typeof value === 'number' || value instanceof Date ? toEpochMs(value, 'UTC') : NaN;
		return fixed === fixed ? new PerZoneCache(() => fixed) : NOT_A_DATE;
	}
	const parts = parseIsoParts(value);
	if (!parts) return NOT_A_DATE;
	if (parts.offsetMinutes !== undefined) {
		const fixed = isoPartsToEpoch(parts, 'UTC');
		return new PerZoneCache(() => fixed);
	}
	return new PerZoneCache((_now, timezone) => {
		if (!parts.dateOnly || !nextDay) return isoPartsToEpoch(parts, timezone);
		return DateTime.fromObject(
			{ year: parts.year, month: parts.month, day: parts.day },
			{ zone: requireZone(timezone) },
		)
			.plus({ days: 1 })
			.startOf('day')
			.toMillis();
	});
}

const isDateOnly = (value: unknown): boolean =>
	typeof value === 'string' && parseIsoParts(value)?.dateOnly === true;

/** month*100+day keys of the `days` days starting today in the zone (Feb 29 birthdays: see header). */
export function anniversaryKeys(days: number, now: number, timezone: string): ReadonlySet<number> {
	const offset = requireZone(timezone).offset(now);
	const today = Math.floor((now + offset * 60_000) / 86_400_000);
	const keys = new Set<number>();
	for (let i = 0; i < days; i++) {
		const { year, month, day } = civilFromDays(today + i);
		keys.add(month * 100 + day);
		if (month === 2 && day === 28 && !isLeapYear(year)) keys.add(229);
	}
	return keys;
}

export const dateOperators: OperatorDefinition[] = [
	defineOperator<PerZoneCache<number>>({
		name: 'withinLast',
		label: 'is within the last',
		valueKind: 'duration',
		group: 'date',
		readsDate: true,
		prepare: cutoffs,
		test: (fact, cutoff, ctx) => {
			const t = toEpochMs(fact, ctx.timezone);
			return t >= cutoff.get(ctx.now, ctx.timezone) && t <= ctx.now;
		},
	}),
	defineOperator<PerZoneCache<number>>({
		name: 'moreThanAgo',
		label: 'is more than ... ago',
		valueKind: 'duration',
		group: 'date',
		readsDate: true,
		prepare: cutoffs,
		test: (fact, cutoff, ctx) => toEpochMs(fact, ctx.timezone) < cutoff.get(ctx.now, ctx.timezone),
	}),
	defineOperator<PerZoneCache<number>>({
		name: 'before',
		label: 'is before',
		valueKind: 'date',
		group: 'date',
		readsDate: true,
		factValues: true,
		prepare: (value) => boundary(value, false),
		test: (fact, bound, ctx) => toEpochMs(fact, ctx.timezone) < bound.get(ctx.now, ctx.timezone),
	}),
	defineOperator<{ bound: PerZoneCache<number>; inclusive: boolean }>({
		name: 'after',
		label: 'is after',
		valueKind: 'date',
		group: 'date',
		readsDate: true,
		factValues: true,
		prepare: (value) => ({ bound: boundary(value, true), inclusive: isDateOnly(value) }),
		test: (fact, { bound, inclusive }, ctx) => {
			const t = toEpochMs(fact, ctx.timezone);
			const b = bound.get(ctx.now, ctx.timezone);
			return inclusive ? t >= b : t > b;
		},
	}),
	defineOperator<PerZoneCache<ReadonlySet<number>>>({
		name: 'anniversaryWithin',
		label: 'anniversary is within the next ... days',
		valueKind: 'days',
		group: 'date',
		readsDate: true,
		prepare: (value) =>
			new PerZoneCache((now, timezone) => anniversaryKeys(value as number, now, timezone)),
		test: (fact, keys, ctx) => {
			const key = monthDayOfFact(fact, ctx.timezone);
			return key > 0 && keys.get(ctx.now, ctx.timezone).has(key);
		},
	}),
];
