/**
 * Dates as the date operators read them. A date fact may be an ISO 8601 string, epoch
 * milliseconds or a Date. A string without an offset ("2024-03-01", "2024-03-01T09:00") is a
 * wall-clock time in the contact's time zone. Anything else is "not a date" (NaN here), which
 * makes a date condition false and is what checkFactTypes reports.
 *
 * ISO strings are parsed by hand: the compiled evaluator parses one per item, and this is
 * several times faster than luxon or Date.parse and refuses what they silently roll over
 * ("2024-02-30"). Only strings without an offset need luxon, for the zone's rules.
 */
import { DateTime } from 'luxon';
import { requireZone } from './context';

/** The pieces of an ISO 8601 calendar date or date-time. */
export interface IsoParts {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
	millisecond: number;
	/** true for "2024-03-01" (no time of day) */
	dateOnly: boolean;
	/** minutes east of UTC; undefined when the string has no offset (wall clock time) */
	offsetMinutes: number | undefined;
}

function digits(s: string, start: number, count: number): number {
	let n = 0;
	for (let i = start; i < start + count; i++) {
		const c = s.charCodeAt(i) - 48;
		if (c < 0 || c > 9) return -1;
		n = n * 10 + c;
	}
	return n;
}

export function isLeapYear(year: number): boolean {
	return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
	return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

/**
 * Parses `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]]` (T or a space) and `Z` or
 * `±HH[:MM]`. Returns undefined for anything else, including impossible dates.
 */
export function parseIsoParts(s: string): IsoParts | undefined {
	const parts = emptyParts();
	return parseInto(s, parts) ? parts : undefined;
}

function emptyParts(): IsoParts {
	return {
		year: 0,
		month: 0,
		day: 0,
		hour: 0,
		minute: 0,
		second: 0,
		millisecond: 0,
		dateOnly: false,
		offsetMinutes: undefined,
	};
}

// the per-item path parses into this one object instead of allocating (single-threaded, no reentry)
const scratch = emptyParts();

function parseInto(s: string, parts: IsoParts): boolean {
	const len = s.length;
	if (len < 10 || len > 40) return false;
	const year = digits(s, 0, 4);
	const month = digits(s, 5, 2);
	const day = digits(s, 8, 2);
	if (year < 0 || month < 1 || month > 12 || day < 1 || s[4] !== '-' || s[7] !== '-') return false;
	if (day > daysInMonth(year, month)) return false;
	parts.year = year;
	parts.month = month;
	parts.day = day;
	parts.hour = 0;
	parts.minute = 0;
	parts.second = 0;
	parts.millisecond = 0;
	parts.dateOnly = len === 10;
	parts.offsetMinutes = undefined;
	if (len === 10) return true;
	const sep = s[10];
	if (sep !== 'T' && sep !== 't' && sep !== ' ') return false;
	if (len < 16 || s[13] !== ':') return false;
	parts.hour = digits(s, 11, 2);
	parts.minute = digits(s, 14, 2);
	if (parts.hour < 0 || parts.hour > 23 || parts.minute < 0 || parts.minute > 59) return false;
	let i = 16;
	if (s[i] === ':') {
		parts.second = digits(s, i + 1, 2);
		if (parts.second < 0 || parts.second > 59) return false;
		i += 3;
		if (s[i] === '.' || s[i] === ',') {
			const start = ++i;
			let ms = 0;
			while (i < len && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
				if (i - start < 3) ms = ms * 10 + (s.charCodeAt(i) - 48);
				i++;
			}
			const count = i - start;
			if (count === 0 || count > 9) return false;
			parts.millisecond = count === 1 ? ms * 100 : count === 2 ? ms * 10 : ms;
		}
	}
	if (i === len) return true;
	const sign = s[i];
	if ((sign === 'Z' || sign === 'z') && i + 1 === len) {
		parts.offsetMinutes = 0;
		return true;
	}
	if (sign !== '+' && sign !== '-') return false;
	const rest = len - i - 1;
	const oh = digits(s, i + 1, 2);
	let om = 0;
	if (rest === 5 && s[i + 3] === ':') om = digits(s, i + 4, 2);
	else if (rest === 4) om = digits(s, i + 3, 2);
	else if (rest !== 2) return false;
	if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
	parts.offsetMinutes = (sign === '-' ? -1 : 1) * (oh * 60 + om);
	return true;
}

/** Epoch ms of ISO parts; a wall-clock time (no offset) is read in `timezone`. */
export function isoPartsToEpoch(parts: IsoParts, timezone: string): number {
	if (parts.offsetMinutes !== undefined) {
		const utc = Date.UTC(
			parts.year,
			parts.month - 1,
			parts.day,
			parts.hour,
			parts.minute,
			parts.second,
			parts.millisecond,
		);
		// Date.UTC maps years 0..99 to 1900..1999
		const fixed = parts.year < 100 ? shiftYears(utc, parts.year) : utc;
		return fixed - parts.offsetMinutes * 60_000;
	}
	const zone = requireZone(timezone);
	const dt = DateTime.fromObject(
		{
			year: parts.year,
			month: parts.month,
			day: parts.day,
			hour: parts.hour,
			minute: parts.minute,
			second: parts.second,
			millisecond: parts.millisecond,
		},
		{ zone },
	);
	return dt.isValid ? dt.toMillis() : NaN;
}

function shiftYears(utc: number, year: number): number {
	const d = new Date(utc);
	d.setUTCFullYear(year);
	return d.getTime();
}

/** Epoch ms of a date fact (ISO string, epoch ms, Date), or NaN when it is not a date. */
export function toEpochMs(value: unknown, timezone: string): number {
	if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
	if (typeof value === 'string')
		return parseInto(value, scratch) ? isoPartsToEpoch(scratch, timezone) : NaN;
	if (value instanceof Date) return value.getTime();
	return NaN;
}

/** Whether a fact value counts as a date for the date operators. */
export function isDateValue(value: unknown): boolean {
	if (typeof value === 'number') return Number.isFinite(value);
	if (typeof value === 'string') return parseInto(value, scratch);
	if (value instanceof Date) return !Number.isNaN(value.getTime());
	return false;
}

/** month * 100 + day of an epoch ms in a zone: the key anniversaries compare. */
export function monthDayInZone(epochMs: number, timezone: string): number {
	const offset = requireZone(timezone).offset(epochMs);
	const days = Math.floor((epochMs + offset * 60_000) / 86_400_000);
	const { month, day } = civilFromDays(days);
	return month * 100 + day;
}

/** Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm, no allocation of a Date). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
	const z = days + 719468;
	const era = Math.floor(z / 146097);
	const doe = z - era * 146097;
	const yoe = Math.floor(
		(doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
	);
	const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
	const mp = Math.floor((5 * doy + 2) / 153);
	const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
	const month = mp < 10 ? mp + 3 : mp - 9;
	return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * month * 100 + day of a date fact in the contact's zone, or -1 when it is not a date. A string
 * without an offset already names its calendar day, so it is read as written.
 */
export function monthDayOfFact(value: unknown, timezone: string): number {
	if (typeof value === 'string') {
		if (!parseInto(value, scratch)) return -1;
		if (scratch.offsetMinutes === undefined) return scratch.month * 100 + scratch.day;
		return monthDayInZone(isoPartsToEpoch(scratch, timezone), timezone);
	}
	const epoch = toEpochMs(value, timezone);
	return Number.isNaN(epoch) ? -1 : monthDayInZone(epoch, timezone);
}
