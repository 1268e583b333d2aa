import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { listSegments, parseDuration, type ConditionGroup, type Duration, type SegmentDefinition } from '../../lib';

/**
 * The numbers of a saved segment (the 90 of inactive-90-days, the 24 hours of cart-abandoners)
 * as parameters of their own, shown once the segment is chosen, with the library's numbers as
 * defaults. A knob points at one number of the segment's condition tree.
 */
interface Knob {
	parameter: string;
	displayName: string;
	description: string;
	default: number;
	/** writes the chosen number into a copy of the leaf */
	apply(leaf: Record<string, unknown>, value: number): void;
	/** which leaf, in walk order */
	leafIndex: number;
}

type Leaf = Record<string, unknown>;

const OPERATOR_WORDS: Record<string, string> = {
	withinLast: 'Within the Last',
	moreThanAgo: 'More Than … Ago',
	anniversaryWithin: 'Anniversary Within the Next … Days',
	greaterThanInclusive: 'At Least',
	greaterThan: 'More Than',
	lessThanInclusive: 'At Most',
	lessThan: 'Less Than',
};

const words = (name: string) =>
	name
		.replace(/[_-]+/g, ' ')
		.replace(/([a-z])([A-Z])/g, '$1 $2')
		.replace(/\b\w/g, (c) => c.toUpperCase());
const camel = (name: string) => name.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase());
const unitWord = (unit: string) => unit.charAt(0).toUpperCase() + unit.slice(1);

function leavesOf(node: unknown, out: Leaf[] = []): Leaf[] {
	if (!node || typeof node !== 'object') return out;
	const n = node as Record<string, unknown>;
	if (Array.isArray(n.all)) n.all.forEach((c) => leavesOf(c, out));
	else if (Array.isArray(n.any)) n.any.forEach((c) => leavesOf(c, out));
	else if (n.not) leavesOf(n.not, out);
	else out.push(n);
	return out;
}

function knobsOf(segment: SegmentDefinition): Knob[] {
	const knobs: Knob[] = [];
	const prefix = `segment_${camel(segment.name)}`;
	leavesOf(segment.conditions).forEach((leaf, leafIndex) => {
		const operator = String(leaf.operator);
		if (leaf.fact === 'eventCount') {
			const params = (leaf.params ?? {}) as Record<string, unknown>;
			const event = words(String(params.event));
			if (typeof leaf.value === 'number' && leaf.value > 0) {
				knobs.push({
					parameter: `${prefix}_${leafIndex}_times`,
					displayName: `${event}: ${OPERATOR_WORDS[operator] ?? words(operator)} (Times)`,
					description: `How many times the contact did ${String(params.event)}`,
					default: leaf.value,
					leafIndex,
					apply: (l, value) => (l.value = value),
				});
			}
			const within = params.within === undefined ? undefined : parseDuration(params.within);
			if (within && typeof within !== 'string') {
				knobs.push({
					parameter: `${prefix}_${leafIndex}_within`,
					displayName: `${event}: In the Last (${unitWord(within.unit)})`,
					description: `The window ${String(params.event)} is counted in`,
					default: within.amount,
					leafIndex,
					apply: (l, value) => ((l.params as Record<string, unknown>).within = { amount: value, unit: within.unit }),
				});
			}
			return;
		}
		const field = words(String(leaf.fact));
		const duration = typeof leaf.value === 'object' || typeof leaf.value === 'string' ? parseDuration(leaf.value) : undefined;
		if ((operator === 'withinLast' || operator === 'moreThanAgo') && duration && typeof duration !== 'string') {
			const unit = (duration as Duration).unit;
			knobs.push({
				parameter: `${prefix}_${leafIndex}`,
				displayName: `${field}: ${OPERATOR_WORDS[operator]} (${unitWord(unit)})`,
				description: `Compared with the contact's ${String(leaf.fact)}`,
				default: (duration as Duration).amount,
				leafIndex,
				apply: (l, value) => (l.value = { amount: value, unit }),
			});
		} else if (typeof leaf.value === 'number') {
			knobs.push({
				parameter: `${prefix}_${leafIndex}`,
				displayName: `${field}: ${OPERATOR_WORDS[operator] ?? words(operator)}`,
				description: `Compared with the contact's ${String(leaf.fact)}`,
				default: leaf.value,
				leafIndex,
				apply: (l, value) => (l.value = value),
			});
		}
	});
	return knobs;
}

const KNOBS = new Map(listSegments().map((segment) => [segment.name, knobsOf(segment)]));

/** Per segment: a notice with its whole description, then its numbers. */
export function segmentSettingsProperties(): INodeProperties[] {
	return listSegments().flatMap((segment) => [
		{
			displayName: `${segment.name}: ${segment.description}`,
			name: `segment_${camel(segment.name)}_notice`,
			type: 'notice' as const,
			default: '',
			displayOptions: { show: { mode: ['segment'], segment: [segment.name] } },
		},
		...(KNOBS.get(segment.name) ?? []).map(
			// eslint-disable-next-line n8n-nodes-base/node-param-default-missing -- the default is the library's number, set below
			(knob): INodeProperties => ({
				displayName: knob.displayName,
				name: knob.parameter,
				type: 'number',
				typeOptions: { minValue: 0 },
				default: knob.default,
				description: knob.description,
				displayOptions: { show: { mode: ['segment'], segment: [segment.name] } },
			}),
		),
	]);
}

/** The chosen numbers of a segment for an item (version 2 only; version 1 has none). */
export function segmentSettingsOf(ctx: IExecuteFunctions, name: string, itemIndex: number): Record<string, number> {
	const settings: Record<string, number> = {};
	if (ctx.getNode().typeVersion < 2) return settings;
	for (const knob of KNOBS.get(name) ?? []) {
		const value = ctx.getNodeParameter(knob.parameter, itemIndex, knob.default) as unknown;
		settings[knob.parameter] = typeof value === 'number' ? value : Number(value);
	}
	return settings;
}

/** The segment's tree with the chosen numbers; a number that is not one says which parameter. */
export function segmentConditions(segment: SegmentDefinition, settings: Record<string, number>): ConditionGroup {
	const knobs = KNOBS.get(segment.name) ?? [];
	if (knobs.length === 0) return segment.conditions;
	const leaves = leavesOf(segment.conditions);
	for (const knob of knobs) {
		const value = settings[knob.parameter];
		if (value === undefined) continue;
		if (!Number.isFinite(value) || value < 0) {
			throw new Error(`"${knob.displayName}" must be a number of 0 or more, got ${JSON.stringify(value)}`);
		}
		knob.apply(leaves[knob.leafIndex], value);
	}
	return segment.conditions;
}
