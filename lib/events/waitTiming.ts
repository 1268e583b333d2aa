/**
 * The clock side of Wait Until Event: the deadline (a duration or a date/time in a zone), the
 * "count events since" time, and the resume URL the resumer posts to.
 */
import { DateTime } from 'luxon';

export type TimeUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks';

const UNIT_MS: Record<TimeUnit, number> = {
	seconds: 1_000,
	minutes: 60_000,
	hours: 3_600_000,
	days: 86_400_000,
	weeks: 7 * 86_400_000,
};

/** The longest a journey may wait: beyond it registrations would outlive any sensible TTL. */
export const MAX_WAIT_MS = 400 * 86_400_000;

export function durationMs(amount: number, unit: TimeUnit): number {
	if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
		throw new Error(`the amount must be a number of ${unit} of 0 or more, got ${JSON.stringify(amount)}`);
	}
	const ms = UNIT_MS[unit];
	if (ms === undefined) throw new Error(`unknown unit "${String(unit)}": use seconds, minutes, hours, days or weeks`);
	return Math.round(amount * ms);
}

/**
 * A date/time value as epoch ms. Text without an offset (`2026-03-01 09:00`, `2026-03-01T09:00`)
 * is read in `zone`; ISO text with an offset or `Z`, epoch ms, Dates and luxon DateTimes are
 * absolute.
 */
export function parseDateTime(value: unknown, zone: string): number {
	if (value instanceof Date) {
		if (Number.isNaN(value.getTime())) throw new Error('the date is invalid');
		return value.getTime();
	}
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	const millis = (value as { toMillis?: () => number } | null)?.toMillis;
	if (typeof millis === 'function') return millis.call(value);
	if (typeof value !== 'string' || value.trim() === '') {
		throw new Error(`expected a date/time such as 2026-03-01T09:00:00, got ${JSON.stringify(value)}`);
	}
	const text = value.trim();
	if (/^\d{10,}$/.test(text)) return Number(text);
	let parsed = DateTime.fromISO(text, { zone, setZone: true });
	if (!parsed.isValid) parsed = DateTime.fromSQL(text, { zone });
	if (!parsed.isValid) parsed = DateTime.fromRFC2822(text, { zone });
	if (!parsed.isValid) {
		throw new Error(`"${text}" is not a date/time: use ISO 8601 such as 2026-03-01T09:00:00 or 2026-03-01T09:00:00+09:00`);
	}
	return parsed.toMillis();
}

/** True when luxon knows the zone (IANA names, UTC, fixed offsets). */
export function isKnownZone(zone: string): boolean {
	return DateTime.now().setZone(zone).isValid;
}

/**
 * `<resumeUrl path>/<nodeId>?<query>`: n8n's `$execution.resumeUrl` is
 * `<WEBHOOK_URL>webhook-waiting/<executionId>?signature=<token>`; the restart webhook of a node
 * whose path is `{{ $nodeId }}` answers on `…/<executionId>/<nodeId>`. With `baseOverride`
 * (e.g. `http://n8n-main:5678/webhook-waiting`), everything before `/<executionId>` is replaced.
 */
export function buildResumeUrl(resumeUrl: string, nodeId: string, baseOverride?: string): string {
	const url = tryUrl(resumeUrl);
	if (!url) throw new Error(`n8n gave no usable resume URL ("${resumeUrl}")`);
	const segments = url.pathname.replace(/\/+$/, '').split('/');
	const executionId = segments[segments.length - 1];
	if (!executionId) throw new Error(`n8n's resume URL "${resumeUrl}" has no execution id`);
	if (baseOverride && baseOverride.trim() !== '') {
		const base = tryUrl(baseOverride.trim());
		if (!base || (base.protocol !== 'http:' && base.protocol !== 'https:')) throw new Error(`Resume Base URL "${baseOverride}" is not a URL such as http://n8n:5678/webhook-waiting`);
		const target = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}/${encodeURIComponent(executionId)}/${encodeURIComponent(nodeId)}`);
		target.search = url.search;
		return target.toString();
	}
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(nodeId)}`;
	return url.toString();
}

function tryUrl(text: string): URL | undefined {
	try {
		return new URL(text);
	} catch {
		return undefined;
	}
}
