/**
 * THE differential test: json-rules-engine 7 itself is the reference. For generated rules over
 * every json-rules-engine operator, a plain `new Engine()` (its own operators, none of ours;
 * `allowUndefinedFacts` so a missing field is an undefined fact, as in our paths) must give the
 * same answer as BOTH our compiled evaluator and createEngine, on every generated contact, or
 * our validation must refuse the rule with an error naming the path.
 *
 * Rules nest all / any / not up to depth 5 and use missing and null fields, numeric text,
 * type mismatches, lists where one value is expected, and values naming another field
 * (`{ "fact": "stats.avg" }`), plus shapes we refuse (JSONPath, text compared as a number ...).
 * A dotted fact is our name for a field inside an object: the plain engine gets each dotted
 * fact the rule names as a runtime fact holding that field (own properties, read by the
 * four-line `field` below), and the contact's top-level fields as they are.
 *
 * The figures (generated, accepted, agreeing, refused by reason) are printed. The generator is
 * seeded: a failure prints the seed, and RULES_DIFF_SEED=<seed> replays it.
 */
import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import {
	compileConditions,
	createEngine,
	validateRule,
	type EvaluationContext,
	type RuleDefinition,
} from '../../../rules';
import { seededRandom } from './random';

const SEED = Number(process.env.RULES_DIFF_SEED ?? 20261130);
const RULES = 6_000;
const CONTACTS_PER_RULE = 4;
const CTX: EvaluationContext = { now: Date.parse('2024-05-03T15:30:00Z'), timezone: 'UTC' };

/** Every operator a plain json-rules-engine 7 Engine has. */
const JRE_OPERATORS = [
	'equal',
	'notEqual',
	'in',
	'notIn',
	'contains',
	'doesNotContain',
	'lessThan',
	'lessThanInclusive',
	'greaterThan',
	'greaterThanInclusive',
];

const { next: rand, int, pick, chance } = seededRandom(SEED);

const TOP_FIELDS = ['age', 'score', 'plan', 'tags', 'total', 'flag', 'missing', 'toString'];
const DOTTED_FIELDS = ['stats.avg', 'stats.total', 'stats.tags', 'address.country', 'orders.0.total'];
const FIELDS = [...TOP_FIELDS, ...DOTTED_FIELDS];

const NUMBERS = [0, -1, 1, 9, 9.5, 10, 42, 100, 1000, -0.5];
const TEXTS = [
	'',
	' ',
	'10',
	'9',
	'9.5',
	' 42 ',
	'1e3',
	'-7',
	'0x10',
	'42abc',
	'Infinity',
	'abc',
	'pro',
	'free',
	'KR',
	'JP',
	'null',
	'true',
	'2024-05-03',
];
const LISTS: unknown[][] = [[], [5], [10], ['10'], ['KR'], ['KR', 'JP'], [1, '1'], [null], [[5]], ['pro', 42]];
const OTHERS: unknown[] = [null, true, false, {}, { a: 1 }];

/** Any value: the rule's value or a contact's field, of any type. */
function anyValue(): unknown {
	switch (int(0, 9)) {
		case 0:
		case 1:
		case 2:
			return pick(NUMBERS);
		case 3:
		case 4:
		case 5:
			return pick(TEXTS);
		case 6:
		case 7:
			return [...pick(LISTS)];
		default:
			return pick(OTHERS);
	}
}

/** A value that suits the operator most of the time, anything otherwise. */
function valueFor(operator: string): unknown {
	if (chance(0.3)) return anyValue();
	if (operator === 'in' || operator === 'notIn') return [...pick(LISTS)];
	if (operator.startsWith('less') || operator.startsWith('greater')) return pick(NUMBERS);
	return chance(0.5) ? pick(TEXTS) : pick(NUMBERS);
}

function leaf(): Record<string, unknown> {
	const operator = chance(0.97)
		? pick(JRE_OPERATORS)
		: pick(['eq', 'someFact:equal', 'isIn', 'stringContains']);
	const node: Record<string, unknown> = { fact: chance(0.98) ? pick(FIELDS) : pick(['', '$.age', 5]) };
	node.operator = operator;
	const r = rand();
	if (r < 0.2) node.value = { fact: pick(FIELDS) };
	else if (r < 0.22) node.value = { fact: pick(['stats', 'address']), path: '$.avg' };
	else if (r < 0.23) node.value = { fact: pick(FIELDS), params: {} };
	else if (r < 0.25) {
		// no value at all
	} else node.value = valueFor(operator);
	if (chance(0.02)) node.path = '$.avg';
	if (chance(0.01)) node.note = 'unknown property';
	if (chance(0.05)) node.priority = pick([1, 2, 3, 0]);
	if (chance(0.03)) node.name = 'named';
	return node;
}

function group(depth: number): Record<string, unknown> {
	const child = () => (depth < 5 && chance(0.3) ? group(depth + 1) : leaf());
	const r = rand();
	if (r < 0.005) return { condition: 'vip' };
	if (r < 0.25) return chance(0.02) ? { not: [child()] } : { not: child() };
	const kind = r < 0.62 ? 'all' : 'any';
	const size = chance(0.03) ? 0 : int(1, 4);
	const node: Record<string, unknown> = { [kind]: Array.from({ length: size }, child) };
	if (chance(0.05)) node.priority = int(1, 3);
	return node;
}

/** A contact: every field missing, null, a number, numeric text, a list, an object ... */
function contact(): Record<string, unknown> {
	const c: Record<string, unknown> = {};
	for (const field of FIELDS) {
		if (chance(0.2)) continue;
		const value = chance(0.03) ? new Date(CTX.now - int(0, 1000) * 86_400_000) : anyValue();
		const [head, ...rest] = field.split('.');
		if (rest.length === 0) {
			c[head] = value;
			continue;
		}
		if (head === 'orders') {
			c.orders = chance(0.85) ? [{ total: value }] : pick([null, 'text', {}, [], [5]]);
			continue;
		}
		if (chance(0.88)) c[head] = { ...((c[head] as object) ?? {}), [rest[0]]: value };
		else c[head] = pick(['flat text', null, 42, [value], { other: 1 }]);
	}
	return c;
}

/** Our meaning of a dotted fact: own properties, one part at a time. */
function field(contact: unknown, path: string): unknown {
	let current = contact;
	for (const part of path.split('.')) {
		const own = current !== null && typeof current === 'object' && Object.hasOwn(current, part);
		current = own ? (current as Record<string, unknown>)[part] : undefined;
	}
	return current;
}

function dottedFactsOf(node: unknown, out: Set<string>): Set<string> {
	if (node === null || typeof node !== 'object') return out;
	const n = node as Record<string, unknown>;
	for (const key of ['all', 'any']) if (Array.isArray(n[key])) for (const c of n[key]) dottedFactsOf(c, out);
	if (n.not !== undefined) dottedFactsOf(n.not, out);
	const value = n.value as Record<string, unknown> | null | undefined;
	for (const name of [n.fact, value !== null && typeof value === 'object' ? value.fact : undefined])
		if (typeof name === 'string' && name.includes('.')) out.add(name);
	return out;
}

/** The plain engine's runtime facts: the contact's own fields, and each dotted fact of the rule. */
function plainFacts(c: Record<string, unknown>, dotted: Set<string>): Record<string, unknown> {
	const facts: Record<string, unknown> = { ...c };
	for (const name of dotted) facts[name] = field(c, name);
	return facts;
}

function countLeaves(node: unknown, visit: (leaf: Record<string, unknown>) => void, inNot = false): boolean {
	const n = node as Record<string, unknown>;
	let nested = inNot;
	for (const key of ['all', 'any'])
		if (Array.isArray(n[key])) for (const c of n[key]) nested = countLeaves(c, visit, inNot) || nested;
	if (n.not !== undefined) nested = countLeaves(n.not, visit, true) || nested;
	if (typeof n.operator === 'string') visit(n);
	return nested;
}

/**
 * Why a plain json-rules-engine would fail when running the tree: an operator it does not have,
 * or "in" / "notIn" whose value has no indexOf (anything but a list or text; a value read from
 * another field may be anything).
 */
function runFailure(node: unknown): string | undefined {
	let failure: string | undefined;
	countLeaves(node, (l) => {
		const op = l.operator as string;
		if (!JRE_OPERATORS.includes(op)) failure ??= `Unknown operator (when run)`;
		else if (op === 'in' || op === 'notIn') {
			const v = l.value;
			if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'fact' in v)
				failure ??= `${op} with a value from another field: fails when run unless that field is a list or text`;
			else if (!Array.isArray(v) && typeof v !== 'string' && Object.hasOwn(l, 'value'))
				failure ??= `${op} with a value that is not a list or text: fails when run`;
		}
	});
	return failure;
}

function hasOnlyOperators(node: unknown, names: readonly string[]): boolean {
	let only = true;
	countLeaves(node, (l) => {
		if (!names.includes(l.operator as string)) only = false;
	});
	return only;
}

/** A refusal in a few words: the message without the offending value. */
function reasonOf(message: string): string {
	return message
		.replace(/, got .*$/, '')
		.replace(/ \(did you mean .*$/, '')
		.replace(/: write [^ ]+ without quotes$/, ': text instead of a number')
		.replace(/^"[^"]*" (looks like JSONPath|has an empty part).*/, 'the fact $1')
		.replace(/ works with .*$/, ' works with (list)');
}

describe('compiled evaluator and createEngine vs a plain json-rules-engine', () => {
	it(`agree on every rule both accept, ${RULES} generated rules x ${CONTACTS_PER_RULE} contacts (seed ${SEED})`, async () => {
		const figures = {
			generated: 0,
			refusedByJsonRulesEngine: 0,
			refusedByUs: 0,
			accepted: 0,
			cases: 0,
			compiledAgrees: 0,
			engineAgrees: 0,
			matched: 0,
			factToFactLeaves: 0,
			rulesWithNestedNot: 0,
		};
		const refusedBy = new Map<string, number>();
		const jreRefusals = new Map<string, number>();
		const operatorUse = new Map<string, number>();
		for (let r = 0; r < RULES; r++) {
			const rule = { conditions: group(1), event: { type: 'matched' } };
			figures.generated++;
			const plain = new Engine([], { allowUndefinedFacts: true });
			const dotted = dottedFactsOf(rule.conditions, new Set());
			const people = Array.from({ length: CONTACTS_PER_RULE }, contact);
			// json-rules-engine accepts a rule when it adds it and runs it without an error. Rules it
			// would fail when run are recognised up front: its failures inside parallel conditions
			// surface as unhandled rejections
			let expected: boolean[] = [];
			let plainRefusal = runFailure(rule.conditions);
			if (plainRefusal === undefined) {
				try {
					plain.addRule(structuredClone(rule) as never);
					for (const person of people)
						expected.push((await plain.run(plainFacts(person, dotted))).events.length > 0);
				} catch (error) {
					plainRefusal = String((error as Error).message);
					expected = [];
				}
			}
			const errors = validateRule(rule);
			for (const e of errors) expect(e.path, JSON.stringify(e)).toMatch(/^conditions([.[]|$)/);
			const ours = !hasOnlyOperators(rule.conditions, JRE_OPERATORS);
			if (plainRefusal !== undefined) {
				figures.refusedByJsonRulesEngine++;
				jreRefusals.set(plainRefusal, (jreRefusals.get(plainRefusal) ?? 0) + 1);
				// a rule it refuses is one we refuse too, or one that uses operators of ours
				if (errors.length === 0 && !ours)
					expect.fail(`we accept a rule json-rules-engine refuses (${plainRefusal}): ${JSON.stringify(rule)}`);
				continue;
			}
			if (errors.length > 0) {
				figures.refusedByUs++;
				const reason = reasonOf(errors[0].message);
				refusedBy.set(reason, (refusedBy.get(reason) ?? 0) + 1);
				continue;
			}
			figures.accepted++;
			const nestedNot = countLeaves(rule.conditions, (l) => {
				operatorUse.set(l.operator as string, (operatorUse.get(l.operator as string) ?? 0) + 1);
				if (l.value !== null && typeof l.value === 'object' && 'fact' in l.value) figures.factToFactLeaves++;
			});
			if (nestedNot) figures.rulesWithNestedNot++;
			const compiled = compileConditions(rule.conditions);
			const engine = createEngine(CTX, [rule as unknown as RuleDefinition]);
			for (let c = 0; c < people.length; c++) {
				const person = people[c];
				const fromCompiled = compiled.evaluate(person, CTX);
				const fromEngine = (await engine.run(person)).events.length > 0;
				figures.cases++;
				if (expected[c]) figures.matched++;
				if (fromCompiled === expected[c]) figures.compiledAgrees++;
				if (fromEngine === expected[c]) figures.engineAgrees++;
				if (fromCompiled !== expected[c] || fromEngine !== expected[c]) {
					expect.fail(
						`json-rules-engine=${expected[c]} compiled=${fromCompiled} createEngine=${fromEngine}; replay with RULES_DIFF_SEED=${SEED}\n${JSON.stringify({ rule: r, conditions: rule.conditions, contact: person }, null, 1)}`,
					);
				}
			}
		}
		const byCount = (m: Map<string, number>) =>
			Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
		console.log(
			`rules differential (seed ${SEED}):\n${JSON.stringify(
				{ ...figures, refusedByUsByReason: byCount(refusedBy), refusedByJsonRulesEngineByReason: byCount(jreRefusals) },
				null,
				1,
			)}`,
		);

		expect(figures.compiledAgrees).toBe(figures.cases);
		expect(figures.engineAgrees).toBe(figures.cases);
		// the generator must reach both answers, every operator, fact-to-fact and nested "not"
		expect(figures.accepted / figures.generated).toBeGreaterThan(0.3);
		expect(figures.matched / figures.cases).toBeGreaterThan(0.15);
		expect(figures.matched / figures.cases).toBeLessThan(0.85);
		for (const op of JRE_OPERATORS) expect(operatorUse.get(op) ?? 0, op).toBeGreaterThan(200);
		expect(figures.factToFactLeaves).toBeGreaterThan(500);
		expect(figures.rulesWithNestedNot).toBeGreaterThan(200);
	}, 300_000);
});
