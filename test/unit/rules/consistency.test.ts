/**
 * Consistency of our two paths over every operator of ours: the compiled evaluator and
 * createEngine + run must give the same answer for every generated (condition tree, contact,
 * context). Both use the one operator table, so this catches evaluator bugs (groups, event
 * counts, zones, caching), not operator bugs: differential.test.ts holds both against a plain
 * json-rules-engine for its operators. Trees mix every operator and nest all / any / not up to
 * depth 4; contacts have missing fields, wrong types,
 * unicode, dates near the window edges, and live in several time zones on days with DST
 * changes, month ends and Feb 29. The generator is seeded: a failure prints the seed, and
 * RULES_DIFF_SEED=<seed> replays it.
 */
import { describe, expect, it } from 'vitest';
import {
	compileConditions,
	createEngine,
	OPERATORS,
	EVENT_COUNT_OPERATORS,
	type ConditionGroup,
	type ConditionNode,
	type EvaluationContext,
} from '../../../rules';
import { seededRandom } from './random';

const SEED = Number(process.env.RULES_DIFF_SEED ?? 20240503);
const TREES = 3_000;
const CONTACTS_PER_TREE = 3;
const DAY = 86_400_000;

const { int, pick, chance } = seededRandom(SEED);

const NOWS = [
	'2024-03-31T01:30:00Z', // Europe/Berlin springs forward
	'2024-11-03T09:30:00Z', // America/Los_Angeles falls back
	'2024-05-03T15:30:00Z', // after midnight in Seoul, morning in Los Angeles
	'2023-02-28T23:30:00Z', // Feb 28 in a year without Feb 29 (Mar 1 in Seoul)
	'2024-02-29T12:00:00Z',
	'2024-12-31T23:59:59Z',
].map((s) => Date.parse(s));
const ZONES = [
	'UTC',
	'Asia/Seoul',
	'America/Los_Angeles',
	'Europe/Berlin',
	'Asia/Kolkata',
	'Pacific/Chatham',
];

const FIELDS = [
	'email',
	'name',
	'plan',
	'country',
	'tags',
	'age',
	'totalSpent',
	'lastSeenAt',
	'birthday',
	'address.country',
	'address.city',
	'prefs.channels',
	'flag',
	'notes',
	'missing',
	'toString', // an inherited name: only an own field counts
	'prénom',
];
const TEXTS = [
	'',
	' ',
	'KR',
	'kr',
	'JP',
	'Pro',
	'PRO',
	'pro',
	'a@example.com',
	'A@EXAMPLE.COM',
	'ÄBC',
	'äbc',
	'한글',
	'😀 vip',
	'vip',
	'newsletter',
	'10',
	'9.5',
	' 42 ',
	'1e3',
	'-7',
	'abc',
	'ß',
	'İstanbul',
	'null',
	'2024-05-03',
	'2024-05-03T10:00:00Z',
];
const NUMBERS = [0, -1, 1, 9.5, 10, 18, 42, 65, 100, 1000, 1e3, -0.5];
const PRIMITIVES: unknown[] = [...TEXTS, ...NUMBERS, true, false, null];
const PATTERNS: unknown[] = [
	'^a',
	'example\\.com$',
	'[0-9]+',
	'(?i)^pro',
	{ pattern: '^k', flags: 'i' },
	'^\\p{Hangul}+$',
	'^$',
	'😀',
	{ pattern: 'VIP', flags: 'im' },
	'(a+)+$',
];
const UNITS = ['minutes', 'hours', 'days', 'weeks', 'months'];
const EVENT_NAMES = ['order_completed', 'added_to_cart', 'page_viewed'];

function isoDate(ms: number, form: number): string {
	const iso = new Date(ms).toISOString();
	switch (form) {
		case 0:
			return iso; // with Z
		case 1:
			return iso.slice(0, 10); // date only: contact zone
		case 2:
			return iso.slice(0, 19); // wall clock: contact zone
		case 3:
			return `${iso.slice(0, 19)}+09:00`;
		default:
			return `${iso.slice(0, 16)}-07:00`;
	}
}

/** A time near an interesting edge relative to now: 1 day, 7 days, 30 days, a month, a year ... */
function nearNow(now: number): number {
	const base = pick([
		0,
		60_000,
		3_600_000,
		DAY,
		7 * DAY,
		30 * DAY,
		90 * DAY,
		365 * DAY,
		34 * 365 * DAY,
	]);
	const jitter = pick([0, 1, -1, 1000, -1000, 3_600_000, -3_600_000, 30 * 60_000, int(-DAY, DAY)]);
	return now - base * pick([1, 1, 1, -1]) + jitter;
}

function dateFact(now: number): unknown {
	const t = nearNow(now);
	switch (int(0, 7)) {
		case 0:
			return t;
		case 1:
			return new Date(t);
		case 2:
			return pick([
				'abc',
				'2024-02-30',
				'2023-02-29',
				'2000-02-29',
				'1996-02-29T12:00:00Z',
				'2024-13-01',
				'',
			]);
		default:
			return isoDate(t, int(0, 4));
	}
}

function durationValue(): unknown {
	const amount = pick([1, 1, 2, 7, 24, 30, 90]);
	if (chance(0.5)) return { amount, unit: pick(UNITS) };
	return `${amount}${pick(['m', 'h', 'd', 'w', 'mo'])}`;
}

function valueFor(kind: string, now: number): unknown {
	switch (kind) {
		case 'single':
			return pick(PRIMITIVES);
		case 'number':
			return pick(NUMBERS);
		case 'text':
			return chance(0.85) ? pick(TEXTS) : pick(NUMBERS);
		case 'list':
			return Array.from({ length: int(1, 4) }, () => pick(PRIMITIVES));
		case 'range': {
			const a = pick(NUMBERS);
			const b = pick(NUMBERS);
			return [Math.min(a, b), Math.max(a, b)];
		}
		case 'duration':
			return durationValue();
		case 'date':
			return isoDate(nearNow(now), int(0, 4));
		case 'days':
			return pick([1, 2, 3, 7, 30, 365, 366]);
		case 'pattern':
			return pick(PATTERNS);
		default:
			return pick([undefined, 'ignored', null]);
	}
}

function leaf(now: number, events: boolean): ConditionNode {
	if (events && chance(0.12)) {
		const params: Record<string, unknown> = { event: pick(EVENT_NAMES) };
		if (chance(0.6)) params.within = durationValue();
		if (chance(0.2)) params.since = isoDate(nearNow(now), int(0, 4));
		if (chance(0.3)) params.where = { all: [leaf(now, false)] };
		const operator = pick([...EVENT_COUNT_OPERATORS]);
		const value = operator === 'between' ? [int(0, 1), int(1, 3)] : int(0, 3);
		return { fact: 'eventCount', params, operator, value };
	}
	const operator = pick(OPERATORS);
	const node: Record<string, unknown> = { fact: pick(FIELDS), operator: operator.name };
	const value = valueFor(operator.valueKind, now);
	if (value !== undefined) node.value = value;
	if (chance(0.1)) node.priority = int(1, 3); // changes json-rules-engine's order, not the answer
	return node as unknown as ConditionNode;
}

function group(depth: number, now: number, events: boolean): ConditionGroup {
	const kind = pick(['all', 'any', 'not', 'all', 'any']);
	const child = (): ConditionNode =>
		depth < 4 && chance(0.35) ? group(depth + 1, now, events) : leaf(now, events);
	const priority = chance(0.1) ? { priority: int(1, 3) } : {};
	if (kind === 'not') return { not: child(), ...priority };
	const size = chance(0.04) ? 0 : int(1, 4);
	const children = Array.from({ length: size }, child);
	return kind === 'all' ? { all: children, ...priority } : { any: children, ...priority };
}

function fieldValue(field: string, now: number): unknown {
	if (field === 'lastSeenAt' || field === 'birthday' || chance(0.15)) return dateFact(now);
	switch (int(0, 9)) {
		case 0:
			return undefined;
		case 1:
			return null;
		case 2:
			return pick(NUMBERS);
		case 3:
			return Array.from({ length: int(0, 3) }, () => pick(PRIMITIVES));
		case 4:
			return pick([{}, { a: 1 }, [], true, false]);
		default:
			return pick(TEXTS);
	}
}

function contact(now: number, withEvents: boolean): Record<string, unknown> {
	const c: Record<string, unknown> = {};
	for (const field of FIELDS) {
		if (chance(0.2)) continue; // missing
		const value = fieldValue(field, now);
		const [head, tail] = field.split('.');
		if (tail === undefined) c[head] = value;
		else if (chance(0.9)) c[head] = { ...((c[head] as object) ?? {}), [tail]: value };
		else c[head] = pick(['flat text', null, [value]]);
	}
	if (withEvents) {
		c.__events = Array.from({ length: int(0, 6) }, () => ({
			name: pick(EVENT_NAMES),
			occurredAt: chance(0.9) ? dateFact(now) : 'garbage',
			properties: chance(0.8) ? contactProperties(now) : undefined,
		}));
	}
	return c;
}

function contactProperties(now: number): Record<string, unknown> {
	const p: Record<string, unknown> = {};
	for (const field of FIELDS) if (chance(0.5)) p[field.split('.')[0]] = fieldValue(field, now);
	return p;
}

describe('compiled evaluator vs createEngine, every operator of ours', () => {
	it(`agrees on ${TREES} generated trees x ${CONTACTS_PER_TREE} contacts (seed ${SEED})`, async () => {
		let pairs = 0;
		let matched = 0;
		const operatorUse = new Map<string, number>();
		const countOperators = (node: unknown): void => {
			const n = node as Record<string, unknown>;
			for (const key of ['all', 'any'])
				if (Array.isArray(n[key])) (n[key] as unknown[]).forEach(countOperators);
			if (n.not) countOperators(n.not);
			if (typeof n.operator === 'string')
				operatorUse.set(n.operator, (operatorUse.get(n.operator) ?? 0) + 1);
		};
		for (let t = 0; t < TREES; t++) {
			const now = pick(NOWS);
			const events = chance(0.3);
			const tree = group(1, now, events);
			countOperators(tree);
			const compiled = compileConditions(tree);
			const rule = { conditions: tree, event: { type: 'matched' } };
			const engines = new Map<string, ReturnType<typeof createEngine>>();
			for (let c = 0; c < CONTACTS_PER_TREE; c++) {
				const ctx: EvaluationContext = { now, timezone: pick(ZONES) };
				let engine = engines.get(ctx.timezone);
				if (!engine) {
					engine = createEngine(ctx, [rule]);
					engines.set(ctx.timezone, engine);
				}
				const person = contact(now, events || chance(0.1));
				const fromCompiled = compiled.evaluate(person, ctx);
				const fromEngine = (await engine.run(person)).events.length > 0;
				pairs++;
				if (fromEngine) matched++;
				if (fromCompiled !== fromEngine) {
					const report = JSON.stringify(
						{
							seed: SEED,
							tree: t,
							ctx: { ...ctx, now: new Date(now).toISOString() },
							conditions: tree,
							contact: person,
						},
						null,
						1,
					);
					expect.fail(
						`compiled=${fromCompiled} engine=${fromEngine}; replay with RULES_DIFF_SEED=${SEED}\n${report}`,
					);
				}
			}
		}
		expect(pairs).toBe(TREES * CONTACTS_PER_TREE);
		// the generator must exercise both answers and every operator, or the test proves little
		expect(matched / pairs).toBeGreaterThan(0.15);
		expect(matched / pairs).toBeLessThan(0.85);
		for (const op of OPERATORS) expect(operatorUse.get(op.name) ?? 0, op.name).toBeGreaterThan(30);
	}, 120_000);
});
