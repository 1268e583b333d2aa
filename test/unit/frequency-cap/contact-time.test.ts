/**
 * `retryAtContactTime` is written without luxon on the usual path (an offset kept per zone and
 * hour): it must be the very text luxon writes, for every zone, across DST changes and for
 * zones luxon writes in its own notations (UTC as "Z", fixed offsets, second-precise LMT).
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isoInZone } from '../../../lib';

const luxonIso = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString();

/** a small deterministic generator, so a failure names reproducible instants */
function generator(seed: number): () => number {
	let s = seed >>> 0;
	return () => {
		s = (s * 1664525 + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}

describe('isoInZone', () => {
	const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'utc', 'GMT', 'Etc/UTC', 'UTC+3', 'UTC-5:30', 'Etc/GMT+3'];

	it('writes what luxon writes, for every zone at random instants from 1900 to 2200', () => {
		const random = generator(20261130);
		let compared = 0;
		for (const zone of zones) {
			for (let k = 0; k < 40; k++) {
				const ms = Math.round(Date.UTC(1900, 0, 1) + random() * (Date.UTC(2200, 0, 1) - Date.UTC(1900, 0, 1)));
				expect(isoInZone(ms, zone), `${zone} at ${ms}`).toBe(luxonIso(ms, zone));
				compared++;
			}
		}
		expect(compared).toBe(zones.length * 40);
	});

	it('writes what luxon writes minute by minute across the 2026 DST changes, forwards and backwards in time', () => {
		const changes: Array<[string, number]> = [
			['Europe/Berlin', Date.UTC(2026, 2, 29, 1)],
			['Europe/Berlin', Date.UTC(2026, 9, 25, 1)],
			['America/New_York', Date.UTC(2026, 2, 8, 7)],
			['America/New_York', Date.UTC(2026, 10, 1, 6)],
			['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15)],
			['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
		];
		for (const [zone, change] of changes) {
			for (const step of [60_000, -60_000]) {
				const from = step > 0 ? change - 3 * 3_600_000 : change + 3 * 3_600_000;
				for (let ms = from; Math.abs(ms - from) <= 6 * 3_600_000; ms += step) {
					// a few ms inside each minute too
					expect(isoInZone(ms + 59_999, zone), `${zone} at ${ms + 59_999}`).toBe(luxonIso(ms + 59_999, zone));
					expect(isoInZone(ms, zone), `${zone} at ${ms}`).toBe(luxonIso(ms, zone));
				}
			}
		}
	});

	it('falls back to luxon for instants before 1970 and an invalid zone', () => {
		expect(isoInZone(-5e10, 'Africa/Monrovia')).toBe('1968-06-01T06:22:10.000-00:44');
		expect(isoInZone(Date.UTC(2026, 0, 5), 'Not/AZone')).toBe('2026-01-05T00:00:00.000Z');
		expect(isoInZone(Date.UTC(2026, 0, 5, 3, 4, 5, 6), 'Asia/Seoul')).toBe('2026-01-05T12:04:05.006+09:00');
	});
});
