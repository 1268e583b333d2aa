/**
 * Runs the hostile rules in a worker thread so the test's watchdog can stop a step that hangs
 * (a synchronous loop cannot be interrupted from its own thread). Before each step it writes the
 * case number, the step and the start time into the memory it shares with the watchdog.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runHostileRules, STEPS } from './hostile';

const { count, shared } = workerData as { count: number; shared: SharedArrayBuffer };
const progress = new Float64Array(shared); // [case index, step (index in STEPS), step start (epoch ms)]

runHostileRules(count, (index, step) => {
	progress[0] = index;
	progress[1] = STEPS.indexOf(step);
	progress[2] = Date.now();
}).then(
	(figures) => parentPort!.postMessage({ figures }),
	(error: Error) => parentPort!.postMessage({ error: String(error?.stack ?? error) }),
);
