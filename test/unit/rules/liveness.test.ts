/**
 * No rule can hang the evaluator: 10 000 fuzzed hostile rules (hostile.ts: exponential-
 * backtracking patterns, very deep and wide trees, huge lists, 10 kB strings and names), each
 * parsed, validated, compiled, evaluated and run through createEngine in a worker thread. A
 * watchdog stops the worker when one step runs longer than the bound and names the case.
 * The slowest step's time is a figure for `npm run bench` (rules.worst_eval_ms), not asserted.
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileCase, STEPS, type HostileFigures } from './hostile';

const RULES = 10_000;
const BOUND_MS = 1000;
const outDir = mkdtempSync(path.join(os.tmpdir(), 'rules-liveness-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** The worker as one CommonJS file (the worker thread runs plain Node, not vitest's TypeScript). */
async function bundleWorker(): Promise<string> {
	const outfile = path.join(outDir, 'liveness.worker.cjs');
	await build({
		entryPoints: [path.join(__dirname, 'liveness.worker.ts')],
		outfile,
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		logLevel: 'warning',
	});
	return outfile;
}

describe('hostile rules', () => {
	it(`${RULES} fuzzed hostile rules: no step of any runs longer than ${BOUND_MS} ms`, async () => {
		const shared = new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT);
		const progress = new Float64Array(shared);
		const worker = new Worker(await bundleWorker(), { workerData: { count: RULES, shared } });
		const figures = await new Promise<HostileFigures>((resolve, reject) => {
			const watchdog = setInterval(() => {
				const started = progress[2];
				if (started === 0 || Date.now() - started <= BOUND_MS) return;
				clearInterval(watchdog);
				const index = progress[0];
				const { kind, tree } = hostileCase(index);
				void worker.terminate();
				reject(
					new Error(
						`case ${index} (${kind}) did not finish "${STEPS[progress[1]]}" within ${BOUND_MS} ms; replay with hostileCase(${index}): ${JSON.stringify(tree).slice(0, 300)}`,
					),
				);
			}, 50);
			worker.on('message', (message: { figures?: HostileFigures; error?: string }) => {
				clearInterval(watchdog);
				if (message.figures) resolve(message.figures);
				else reject(new Error(`the hostile rules failed: ${message.error}`));
				void worker.terminate();
			});
			worker.on('error', (error) => {
				clearInterval(watchdog);
				reject(error);
			});
		});
		console.log(`hostile rules: ${JSON.stringify(figures)}`);
		expect(figures.rules).toBe(RULES);
		// both refusals and evaluations must be exercised, or the test proves little
		expect(figures.accepted).toBeGreaterThan(RULES * 0.2);
		expect(figures.refused).toBeGreaterThan(RULES * 0.2);
		expect(figures.evaluations).toBeGreaterThan(RULES * 3);
	}, 900_000);
});
