/**
 * The library of ready segments: each one a named condition tree with a description in the
 * marketer's words. The JSON files in segments/ are the source; every one passes validation
 * (tested). getSegment hands out a copy, so a caller cannot change the library.
 */
import birthdayThisWeek from './segments/birthday-this-week.json';
import cartAbandoners from './segments/cart-abandoners.json';
import engagedLast30Days from './segments/engaged-last-30-days.json';
import inactive90Days from './segments/inactive-90-days.json';
import newSignups7Days from './segments/new-signups-7-days.json';
import vipTopSpenders from './segments/vip-top-spenders.json';
import type { ConditionGroup } from './types';

export interface SegmentDefinition {
	name: string;
	description: string;
	conditions: ConditionGroup;
}

const SEGMENTS: readonly SegmentDefinition[] = [
	inactive90Days,
	vipTopSpenders,
	cartAbandoners,
	newSignups7Days,
	birthdayThisWeek,
	engagedLast30Days,
] as SegmentDefinition[];

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Every segment of the library (copies). */
export function listSegments(): SegmentDefinition[] {
	return SEGMENTS.map(copy);
}

/** The segment of that name (a copy); an unknown name throws an error listing the known ones. */
export function getSegment(name: string): SegmentDefinition {
	const found = SEGMENTS.find((segment) => segment.name === name);
	if (!found) {
		throw new Error(
			`unknown segment "${name}": the library has ${SEGMENTS.map((s) => s.name).join(', ')}`,
		);
	}
	return copy(found);
}
