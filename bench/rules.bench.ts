/**
 * Liveness of the rules package on hostile input: 10 000 fuzzed rules with patterns that take
 * exponential time in a backtracking engine, very deep and wide trees, huge lists and 10 kB
 * strings (test/unit/rules/hostile.ts). Prints the slowest single step (parse, validate,
 * compile, one compiled evaluation, or one createEngine run) and which case it was.
 */
import { runHostileRules } from '../test/unit/rules/hostile';

const RULES = Number(process.env.RULES_HOSTILE ?? 10_000);

async function main() {
	const figures = await runHostileRules(RULES);
	console.log(`bench rules.hostile_rules: ${figures.rules} rules (${figures.accepted} accepted, ${figures.refused} refused)`);
	console.log(`bench rules.evaluations: ${figures.evaluations} steps`);
	console.log(`bench rules.worst_eval_ms: ${figures.worstMs.toFixed(1)} ms (${figures.worst})`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
