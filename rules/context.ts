/**
 * The evaluation context (now + the contact's time zone) and time-zone checks.
 * Zones are checked with luxon once per name and cached, because the compiled path asks for
 * the zone of every item and luxon's check builds an Intl formatter.
 */
import { Info, type Zone } from 'luxon';
import type { EvaluationContext } from './types';

/** Raised for a time zone luxon does not know; the message names the zone. */
export class InvalidTimeZoneError extends Error {
	constructor(readonly timezone: unknown) {
		super(
			`invalid time zone ${JSON.stringify(timezone)}: use an IANA zone name such as "Europe/Berlin", "Asia/Seoul" or "UTC"`,
		);
		this.name = 'InvalidTimeZoneError';
	}
}

const zones = new Map<string, Zone>();
// "local"/"system" mean the n8n host's zone, which is never the contact's
const HOST_ZONES = new Set(['local', 'system', 'default']);

/** The luxon zone for a name, or undefined when the name is not a valid time zone. */
export function findZone(name: unknown): Zone | undefined {
	if (typeof name !== 'string' || name === '') return undefined;
	const cached = zones.get(name);
	if (cached) return cached;
	if (HOST_ZONES.has(name.toLowerCase())) return undefined;
	const zone = Info.normalizeZone(name);
	if (!zone || !zone.isValid) return undefined;
	if (zones.size > 1000) zones.clear(); // bounded: zone names can come from contact data
	zones.set(name, zone);
	return zone;
}

export function isValidTimeZone(name: unknown): boolean {
	return findZone(name) !== undefined;
}

/** The zone for a name; throws InvalidTimeZoneError when it is not a valid zone. */
export function requireZone(name: unknown): Zone {
	const zone = findZone(name);
	if (!zone) throw new InvalidTimeZoneError(name);
	return zone;
}

/** Fills the defaults (now = Date.now(), timezone = 'UTC') and checks the zone. */
export function resolveContext(context?: Partial<EvaluationContext>): EvaluationContext {
	const now = context?.now ?? Date.now();
	if (typeof now !== 'number' || !Number.isFinite(now)) {
		throw new Error(`"now" must be epoch milliseconds, got ${JSON.stringify(now)}`);
	}
	const timezone = context?.timezone ?? 'UTC';
	requireZone(timezone);
	return { now, timezone };
}
