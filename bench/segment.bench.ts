/**
 * Segment Filter, attribute rules: the compiled evaluator against json-rules-engine's
 * engine.run per item (the design's baseline, target >= 20x), on the same 6-condition rule
 * (text, number, list, list-of-tags, range, relative date) and the same 100 000 generated
 * contacts in one run. Both must match exactly the same contacts, or the bench fails.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import {
	compileConditions,
	createEngine,
	type ConditionGroup,
	type EvaluationContext,
} from '../rules';
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
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const rand = random(20240615);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
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

function runCompiled(): { matched: number; perSecond: number } {
	const compiled = compileConditions(rule);
	let matched = 0;
	for (const contact of contacts)
		if (compiled(contact, contexts.get(contact.timezone as string))) matched++; // warm-up
	let passes = 0;
	matched = 0;
	const start = process.hrtime.bigint();
	let elapsed = 0;
	do {
		matched = 0;
		for (let i = 0; i < contacts.length; i++) {
			const contact = contacts[i];
			if (compiled(contact, contexts.get(contact.timezone as string))) matched++;
		}
		passes++;
		elapsed = Number(process.hrtime.bigint() - start) / 1e9;
	} while (elapsed < 1);
	return { matched, perSecond: (passes * contacts.length) / elapsed };
}

async function runEngine(): Promise<{ matched: number; perSecond: number }> {
	// one engine per time zone, as a node would build per contact zone
	const engines = new Map(
		ZONES.map((zone) => [
			zone,
			createEngine(contexts.get(zone), [{ conditions: rule, event: { type: 'matched' } }]),
		]),
	);
	for (let i = 0; i < 2000; i++)
		await engines.get(contacts[i].timezone as string)!.run(contacts[i]); // warm-up
	let matched = 0;
	const start = process.hrtime.bigint();
	for (const contact of contacts) {
		const result = await engines.get(contact.timezone as string)!.run(contact);
		if (result.events.length > 0) matched++;
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

async function runBuilder(): Promise<{ matched: number; perSecond: number }> {
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
		let matched = ((await node.execute!.call(ctx)) as INodeExecutionData[][])[0].length; // warm-up
		let passes = 0;
		const start = process.hrtime.bigint();
		let elapsed = 0;
		do {
			matched = ((await node.execute!.call(ctx)) as INodeExecutionData[][])[0].length;
			passes++;
			elapsed = Number(process.hrtime.bigint() - start) / 1e9;
		} while (elapsed < 1);
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
	if (compiled.matched !== engine.matched) {
		console.error(
			`bench segment: compiled matched ${compiled.matched} contacts, engine.run matched ${engine.matched}`,
		);
		process.exit(1);
	}
	gc?.();
	const builder = await runBuilder();
	if (builder.matched !== compiled.matched) {
		console.error(`bench segment: the builder matched ${builder.matched} contacts, compiled ${compiled.matched}`);
		process.exit(1);
	}
	console.log(`bench segment.compiled: ${Math.round(compiled.perSecond)} items/s`);
	console.log(`bench segment.builder: ${Math.round(builder.perSecond)} items/s`);
	console.log(`bench segment.engine_run: ${Math.round(engine.perSecond)} items/s`);
	console.log(`bench segment.speedup: ${(compiled.perSecond / engine.perSecond).toFixed(1)}`);
	console.log(`bench segment.matched: ${compiled.matched} contacts`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
