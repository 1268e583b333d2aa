/**
 * Hostile rules for the liveness test and `bench rules.worst_eval_ms`: patterns that take
 * exponential time in a backtracking engine, very deep and very wide trees, huge lists, 10 kB
 * strings and names, mixed into fuzzed rules. Case `i` of a seed is always the same rule and
 * contacts, so a case that hangs can be named and replayed on its own.
 *
 * runHostileRules times every step a caller would take for one rule: parse its JSON, validate,
 * compile, evaluate each contact with the compiled evaluator, and run createEngine on the
 * first contact. Each step is one "evaluation" for the per-evaluation bound.
 */
import {
	compileConditions,
	createEngine,
	operatorNames,
	OPERATORS,
	parseRulesJson,
	validateConditions,
	type EvaluationContext,
} from '../../../rules';
import { seededRandom, type Random } from './random';

export const HOSTILE_SEED = 20261130;
const LONG = 10_000;
const CTX: EvaluationContext = { now: Date.parse('2024-05-03T15:30:00Z'), timezone: 'Asia/Seoul' };

/** Patterns that backtrack exponentially (or are refused) in a backtracking regex engine. */
const PATTERNS: unknown[] = [
	'(a+)+$',
	'(a|aa)+$',
	'(a|a?)+$',
	'(a*)*b',
	'^(\\w+\\s?)*$',
	'(.*a){20}',
	'(x+x+)+y',
	'^(([a-z])+.)+[A-Z]([a-z])+$',
	{ pattern: '(A+)+$', flags: 'i' },
	'(a{1000}){1000}',
	'((a{100}){100}){100}',
	'(a)\\1',
	'(?=a)a',
	'(?<!a)b',
	'a'.repeat(2001),
	'[' + 'a-z'.repeat(600) + ']+$',
];

const TEXT_OPERATORS = [
	...OPERATORS.filter((op) => op.group === 'text').map((op) => op.name),
	...['equal', 'notEqual', 'lessThan', 'greaterThanInclusive', 'before', 'after', 'withinLast'],
	...['matchesRegex', 'isEmpty'],
];
const LIST_OPERATORS = ['in', 'notIn', 'isIn', 'isNotIn', 'containsAny', 'containsAll', 'contains'];

export interface HostileCase {
	index: number;
	kind: string;
	tree: unknown;
	/** made on demand: only accepted rules are evaluated */
	contacts(): Record<string, unknown>[];
}

const LONG_TEXTS = [
	'a'.repeat(LONG) + '!',
	'a'.repeat(LONG),
	'ab '.repeat(LONG / 3) + '!',
	'1'.repeat(LONG) + 'x',
	' '.repeat(LONG) + 'x',
	'2024-05-03' + '0'.repeat(LONG),
	'x'.repeat(LONG - 1),
];

function hugeList(r: Random, length: number): unknown[] {
	const numbers = r.chance(0.5);
	return Array.from({ length }, (_, i) => (numbers ? i : `v${i}`));
}

function deepTree(r: Random, depth: number): unknown {
	let node: unknown = { fact: 'text', operator: r.pick(['exists', 'equal']), value: 'a' };
	for (let d = depth; d > 0; d--) {
		const kind = r.pick(['all', 'any', 'not']);
		node = kind === 'not' ? { not: node } : { [kind]: [node] };
	}
	return node;
}

function smallLeaf(r: Random): Record<string, unknown> {
	const names = operatorNames();
	const operator = r.chance(0.9) ? r.pick(names) : 'x'.repeat(r.pick([3, LONG]));
	// values are made only when picked: most of them are big
	const value = r.pick<() => unknown>([
		() => r.pick(PATTERNS),
		() => 'a'.repeat(r.pick([1, LONG])),
		() => r.int(-5, 5),
		() => [1, 2, 3],
		() => hugeList(r, r.pick([10, LONG])),
		() => ({ fact: 'text' }),
		() => '30d',
		() => '2024-05-01',
		() => null,
	])();
	return { fact: r.pick(['text', 'list', 'n', 'a.b', 'f'.repeat(r.pick([3, LONG]))]), operator, value };
}

function fuzzTree(r: Random, depth: number): unknown {
	const children = Array.from({ length: r.int(1, 4) }, () =>
		depth < 6 && r.chance(0.3) ? fuzzTree(r, depth + 1) : smallLeaf(r),
	);
	const kind = r.pick(['all', 'any', 'not']);
	return kind === 'not' ? { not: children[0] } : { [kind]: children };
}

/** Case `index` of the seed: always the same rule and contacts. */
export function hostileCase(index: number, seed = HOSTILE_SEED): HostileCase {
	const r = seededRandom((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
	const texts = LONG_TEXTS;
	const contact = (): Record<string, unknown> => ({
		text: r.pick(texts),
		list: r.chance(0.5) ? hugeList(r, LONG) : [r.pick(texts)],
		n: r.pick<unknown>([r.pick(texts), 42, null]),
		a: { b: r.pick(texts) },
	});
	const kinds = ['pattern', 'deep', 'wide', 'list', 'text', 'names', 'fuzz', 'fuzz'];
	const kind = r.pick(kinds);
	let tree: unknown;
	switch (kind) {
		case 'pattern':
			tree = { all: [{ fact: r.pick(['text', 'n', 'a.b']), operator: 'matchesRegex', value: r.pick(PATTERNS) }] };
			break;
		case 'deep':
			tree = deepTree(r, r.pick([31, 32, 33, 200, 5000]));
			break;
		case 'wide':
			tree = {
				[r.pick(['all', 'any'])]: Array.from({ length: r.pick([500, 1000]) }, () => ({
					fact: r.pick(['text', 'n', 'a.b']),
					operator: r.pick(['stringContains', 'equal', 'notEqual', 'isNotEmpty']),
					value: r.pick(texts).slice(0, r.int(1, 20)),
				})),
			};
			break;
		case 'list':
			tree = {
				all: [
					{
						fact: r.pick(['list', 'text', 'n']),
						operator: r.pick(LIST_OPERATORS),
						value: r.chance(0.1) ? 'v1' : hugeList(r, r.pick([LONG, LONG + 1])),
					},
				],
			};
			break;
		case 'text':
			tree = {
				any: [
					{
						fact: r.pick(['text', 'n', 'a.b']),
						operator: r.pick(TEXT_OPERATORS),
						value: r.pick<unknown>([r.pick(texts), r.int(0, 9), { fact: 'text' }, '7d']),
					},
				],
			};
			break;
		case 'names':
			tree = {
				all: [
					{
						fact: 'f'.repeat(r.pick([200, LONG])),
						operator: r.pick(['x'.repeat(LONG), 'equal']),
						value: 1,
						['k'.repeat(LONG)]: 1,
					},
				],
			};
			break;
		default:
			tree = fuzzTree(r, 1);
	}
	return { index, kind, tree, contacts: () => [contact(), contact(), contact()] };
}

/** The steps timed for each rule, in order (the compiled evaluation once per contact). */
export const STEPS = [
	'parse JSON',
	'validate',
	'compile',
	'compiled, contact 1',
	'compiled, contact 2',
	'compiled, contact 3',
	'createEngine + run',
] as const;

export interface HostileFigures {
	rules: number;
	accepted: number;
	refused: number;
	evaluations: number;
	worstMs: number;
	worst: string;
}

/**
 * Runs cases [0, count): every step timed. `onStep(index, step)` is called before each step
 * starts, so a watchdog can name the one that does not finish.
 */
export async function runHostileRules(
	count: number,
	onStep: (index: number, step: (typeof STEPS)[number]) => void = () => {},
	seed = HOSTILE_SEED,
): Promise<HostileFigures> {
	const figures: HostileFigures = { rules: 0, accepted: 0, refused: 0, evaluations: 0, worstMs: 0, worst: '' };
	const timed = async <T>(
		index: number,
		kind: string,
		step: (typeof STEPS)[number],
		run: () => T | Promise<T>): Promise<T> => {
		onStep(index, step);
		const start = performance.now();
		const result = await run();
		const ms = performance.now() - start;
		figures.evaluations++;
		if (ms > figures.worstMs) {
			figures.worstMs = ms;
			figures.worst = `case ${index} (${kind}), ${step}`;
		}
		return result;
	};
	for (let i = 0; i < count; i++) {
		const hostile = hostileCase(i, seed);
		const { kind, tree } = hostile;
		figures.rules++;
		const text = kind === 'deep' ? undefined : JSON.stringify(tree);
		if (text !== undefined) await timed(i, kind, 'parse JSON', () => parseRulesJson(text));
		const errors = await timed(i, kind, 'validate', () => validateConditions(tree));
		if (errors.length > 0) {
			figures.refused++;
			continue;
		}
		figures.accepted++;
		const contacts = hostile.contacts();
		const compiled = await timed(i, kind, 'compile', () => compileConditions(tree));
		for (let c = 0; c < contacts.length; c++)
			await timed(i, kind, STEPS[3 + c], () => compiled.evaluate(contacts[c], CTX));
		const rule = { conditions: tree as never, event: { type: 'matched' } };
		await timed(i, kind, 'createEngine + run', async () =>
			(await createEngine(CTX, [rule]).run(contacts[0])).events.length,
		);
	}
	return figures;
}
