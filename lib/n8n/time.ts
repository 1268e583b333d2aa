import { DateTime } from 'luxon';

/** An instant as ISO text in a time zone (`2026-03-02T08:00:00.000+09:00`), for items a marketer reads. */
export function isoInZone(ms: number, zone: string): string {
	return DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString();
}
