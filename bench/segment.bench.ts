/**
 * Segment Filter, attribute rules: the compiled evaluator against json-rules-engine's
 * engine.run per item (the design's baseline, target >= 20x) and against a hand-written
 * JavaScript function for the same rule (the ceiling, target >= 0.5), on the same 6-condition
 * rule (text, number, list, list-of-tags, range, relative date) and the same 100 000 generated
 * contacts in one run. All three must match exactly the same contacts, or the bench fails.
 */
import { DateTime } from 'luxon';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import {
	compileConditions,
	createEngine,
	type ConditionGroup,
	type EvaluationContext,
} from '../rules';
import { seededRandom } from '../test/unit/rules/random';
import { SegmentFilter } from '../nodes/SegmentFilter/SegmentFilter.node';

const CONTACTS = 100_000;
const NOW = Date.parse('2024-06-15T12:00:00Z');
const ZONES = ['Asia/Seoul', 'America/Los_Angeles', 'Europe/Berlin', 'UTC'];

const rule: ConditionGroup = {
	all: [
		{ fact: 'email', operator: 'endsWith', value: '.com' },
		{ fact: 'totalSpent', operator: 'greaterThanInclusive', value: 100 },
		{ fact: 'address.country', operator: 'isIn', value: ['KR', 'US', 'JP', 'DE'] },
		{ fact: 'tags', operator: 'containsAny', value: ['newsletter', 'vip'] },
		{ fact: 'age', operator: 'between', value: [18, 65] },
		{ fact: 'lastSeenAt', operator: 'withinLast', value: { amount: 30, unit: 'days' } },
	],
};

// a fixed-seed generator: the same contacts on every run
const { next: rand, pick } = seededRandom(20240615);
const contacts: Record<string, unknown>[] = [];
for (let i = 0; i < CONTACTS; i++) {
	contacts.push({
		contactId: `c${i}`,
		email: `user${i}@${pick(['example.com', 'mail.co.kr', 'shop.de', 'corp.com'])}`,
		totalSpent: Math.round(rand() * 500),
		address: { country: pick(['KR', 'US', 'JP', 'DE', 'FR', 'BR']), city: 'x' },
		tags: rand() < 0.9 ? [pick(['newsletter', 'vip', 'beta'])] : [],
		age: 14 + Math.floor(rand() * 70),
		lastSeenAt: new Date(NOW - Math.floor(rand() * 45 * 86_400_000)).toISOString(),
		timezone: pick(ZONES),
	});
}

const contexts = new Map<string, EvaluationContext>(
	ZONES.map((timezone) => [timezone, { now: NOW, timezone }]),
);
const gc = (globalThis as { gc?: () => void }).gc;

/** Which contacts matched (1) and how many per second. */
interface Run {
	matched: Uint8Array;
	perSecond: number;
}

type Decide = (contact: Record<string, unknown>, ctx: EvaluationContext) => boolean;

/** Passes over every contact for at least a second, after one warm-up pass. */
function runSync(decide: Decide): Run {
	const matched = new Uint8Array(contacts.length);
	for (const contact of contacts) decide(contact, contexts.get(contact.timezone as string)!);
	let passes = 0;
	const start = process.hrtime.bigint();
	let elapsed = 0;
	do {
		for (let i = 0; i < contacts.length; i++) {
			const contact = contacts[i];
			matched[i] = decide(contact, contexts.get(contact.timezone as string)!) ? 1 : 0;
		}
		passes++;
		elapsed = Number(process.hrtime.bigint() - start) / 1e9;
	} while (elapsed < 1);
	return { matched, perSecond: (passes * contacts.length) / elapsed };
}

const runCompiled = (): Run => runSync(compileConditions(rule));

// the same rule as a developer would write it by hand, with the 30-day cutoff per zone made once
const COUNTRIES = new Set(['KR', 'US', 'JP', 'DE']);
const WANTED_TAGS = new Set(['newsletter', 'vip']);
const cutoffs = new Map(
	ZONES.map((zone) => [zone, DateTime.fromMillis(NOW, { zone }).minus({ days: 30 }).toMillis()]),
);
function handwritten(contact: Record<string, unknown>, ctx: EvaluationContext): boolean {
	const email = contact.email;
	if (typeof email !== 'string' || !email.endsWith('.com')) return false;
	const spent = contact.totalSpent;
	if (typeof spent !== 'number' || !(spent >= 100)) return false;
	const address = contact.address as { country?: unknown } | undefined;
	if (!address || !COUNTRIES.has(address.country as string)) return false;
	const tags = contact.tags;
	if (!Array.isArray(tags) || !tags.some((tag) => WANTED_TAGS.has(tag))) return false;
	const age = contact.age;
	if (typeof age !== 'number' || age < 18 || age > 65) return false;
	const seen = Date.parse(contact.lastSeenAt as string);
	return seen >= cutoffs.get(ctx.timezone)! && seen <= ctx.now;
}

/** The first contact two runs disagree on, or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
	return -1;
}

const count = (matched: Uint8Array) => matched.reduce((n, m) => n + m, 0);

async function runEngine(): Promise<Run> {
	// one engine per time zone, as a node would build per contact zone
	const engines = new Map(
		ZONES.map((zone) => [
			zone,
			createEngine(contexts.get(zone), [{ conditions: rule, event: { type: 'matched' } }]),
		]),
	);
	for (let i = 0; i < 2000; i++)
		await engines.get(contacts[i].timezone as string)!.run(contacts[i]); // warm-up
	const matched = new Uint8Array(contacts.length);
	const start = process.hrtime.bigint();
	for (let i = 0; i < contacts.length; i++) {
		const contact = contacts[i];
		const result = await engines.get(contact.timezone as string)!.run(contact);
		matched[i] = result.events.length > 0 ? 1 : 0;
	}
	const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
	return { matched, perSecond: contacts.length / elapsed };
}

/**
 * The same rule built in version 2's builder (n8n's condition UI: "is one of" and "contains
 * any of" are OR groups; the relative date is a behaviour row), run through the node's own
 * execute() on all contacts in one execution, as n8n would call it.
 */
const builderParameters: Record<string, unknown> = {
	mode: 'builder',
	combineGroups: 'all',
	combineBehaviour: 'all',
	'conditionGroups.group': [
		filterGroup('and', [
			['email', 'string', 'endsWith', '.com'],
			['totalSpent', 'number', 'gte', 100],
			['age', 'number', 'gte', 18],
			['age', 'number', 'lte', 65],
		]),
		filterGroup('or', ['KR', 'US', 'JP', 'DE'].map((c) => ['address.country', 'string', 'equals', c] as const)),
		filterGroup('or', ['newsletter', 'vip'].map((t) => ['tags', 'array', 'contains', t] as const)),
	],
	'behaviourConditions.condition': [{ operator: 'withinLast', field: 'lastSeenAt', period: '30d' }],
	options: {},
	store: 'memory',
};

function filterGroup(combinator: 'and' | 'or', conditions: ReadonlyArray<readonly [string, string, string, unknown]>) {
	return {
		conditions: {
			options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
			combinator,
			conditions: conditions.map(([field, type, operation, rightValue], i) => ({
				id: String(i),
				leftValue: `={{ $json.${field} }}`,
				rightValue,
				operator: { type, operation, ...(type === 'array' ? { rightType: 'any' } : {}) },
			})),
		},
	};
}

async function runBuilder(): Promise<Run> {
	const node = new SegmentFilter().nodeVersions[2];
	const items: INodeExecutionData[] = contacts.map((json) => ({ json: json as INodeExecutionData['json'] }));
	const raw = { ...builderParameters, timezone: '={{ $json.timezone }}', contactId: '={{ $json.contactId }}' };
	const ctx = {
		getInputData: () => items,
		getNode: () => ({ id: 'bench', name: 'Segment Filter', type: 'segmentFilter', typeVersion: 2, position: [0, 0], parameters: raw }),
		getNodeParameter: (name: string, _i: number, fallback?: unknown) => (name in builderParameters ? builderParameters[name] : fallback),
		getTimezone: () => 'UTC',
		continueOnFail: () => false,
		addExecutionHints: () => undefined,
		evaluateExpression: () => {
			throw new Error('bench: the builder should not evaluate expressions for this rule');
		},
	} as unknown as IExecuteFunctions;
	// the contacts were generated around a fixed "now"; the node reads the clock once per execution
	const realNow = Date.now;
	Date.now = () => NOW;
	try {
		let output = (await node.execute!.call(ctx)) as INodeExecutionData[][]; // warm-up
		let passes = 0;
		const start = process.hrtime.bigint();
		let elapsed = 0;
		do {
			output = (await node.execute!.call(ctx)) as INodeExecutionData[][];
			passes++;
			elapsed = Number(process.hrtime.bigint() - start) / 1e9;
		} while (elapsed < 1);
		// which contacts left on Matched (output 0), by the item each output item is paired with
		const matched = new Uint8Array(contacts.length);
		for (const item of output[0]) matched[(item.pairedItem as { item: number }).item] = 1;
		return { matched, perSecond: (passes * contacts.length) / elapsed };
	} finally {
		Date.now = realNow;
	}
}

async function main() {
	gc?.();
	const engine = await runEngine();
	gc?.();
	const compiled = runCompiled();
	gc?.();
	const byHand = runSync(handwritten);
	gc?.();
	const builder = await runBuilder();
	for (const [name, other] of [
		['engine.run', engine],
		['the hand-written function', byHand],
		['the builder (Segment Filter v2 execute)', builder],
	] as const) {
		const i = firstDifference(compiled.matched, other.matched);
		if (i !== -1) {
			console.error(
				`bench segment: compiled and ${name} disagree on contact ${i + 1} (${JSON.stringify(contacts[i])}): ${compiled.matched[i]} vs ${other.matched[i]}`,
			);
			process.exit(1);
		}
	}
	console.log(`bench segment.compiled: ${Math.round(compiled.perSecond)} items/s`);
	console.log(`bench segment.builder: ${Math.round(builder.perSecond)} items/s`);
	console.log(`bench segment.engine_run: ${Math.round(engine.perSecond)} items/s`);
	console.log(`bench segment.speedup: ${(compiled.perSecond / engine.perSecond).toFixed(1)}`);
	console.log(`bench segment.matched: ${count(compiled.matched)} contacts (the same set in all four)`);
	console.log(`bench segment.handwritten: ${Math.round(byHand.perSecond)} items/s`);
	console.log(`bench segment.vs_handwritten: ${(compiled.perSecond / byHand.perSecond).toFixed(2)}`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
