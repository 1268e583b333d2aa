import { DateTime } from 'luxon';
import { findZone } from '../../rules/context';

const HOUR_MS = 3_600_000;
/** 1970 to 9999: where a shifted Date's ISO text has luxon's layout (four-digit years) */
const FAST_UNTIL = Date.UTC(9999, 11, 30);

/**
 * The offset (minutes) of each zone over the last hour asked, kept across calls: luxon asks
 * Intl for every offset, which costs more than the rest of a capped item. An hour whose start
 * and end have one offset has it throughout (no zone changes twice within an hour).
 */
const hourOffsets = new Map<string, { hour: number; offset: number | undefined }>();

/** An instant as ISO text in a time zone (`2026-03-02T08:00:00.000+09:00`), for items a marketer reads. */
export function isoInZone(ms: number, zone: string): string {
	const offset = ms >= 0 && ms < FAST_UNTIL ? offsetOfHour(ms, zone) : undefined;
	if (offset === undefined) return DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString();
	// the local wall time is the UTC text of the shifted instant; then luxon's offset notation
	const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
	if (offset === 0 && findZone(zone)?.isUniversal) return `${local}Z`;
	const abs = Math.abs(offset);
	return `${local}${offset < 0 ? '-' : '+'}${pad2(Math.trunc(abs / 60))}:${pad2(abs % 60)}`;
}

/** The zone's offset throughout ms's hour, or undefined (unknown zone, a change inside the hour, seconds in the offset). */
function offsetOfHour(ms: number, zone: string): number | undefined {
	const hour = Math.floor(ms / HOUR_MS);
	const cached = hourOffsets.get(zone);
	if (cached !== undefined && cached.hour === hour) return cached.offset;
	const z = findZone(zone);
	if (!z) return undefined;
	const start = z.offset(hour * HOUR_MS);
	const offset = Number.isInteger(start) && z.offset(hour * HOUR_MS + HOUR_MS - 1) === start ? start : undefined;
	if (hourOffsets.size > 1_000) hourOffsets.clear(); // bounded: zone names come from contact data
	hourOffsets.set(zone, { hour, offset });
	return offset;
}

function pad2(n: number): string {
	return n < 10 ? `0${n}` : String(n);
}
