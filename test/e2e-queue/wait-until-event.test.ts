/**
 * Wait Until Event on main + 2 workers: journeys start on the workers and park; signed events
 * (Journey Event Trigger, also run by the workers) resume them through the main's
 * webhook-waiting endpoint, which hands each resume to a worker again; the main's wait timer
 * times out the others. 40 journeys resumed by events posted while the workers also start 10
 * more, whose 20 s timeouts then fire; one contact's event delivered 10 times at once.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { inParallel, type Execution } from '../../scripts/n8n/index.mjs';
import { prepare, purchase, send, waitJourney, type Setup } from '../unit/events/workflows';
import { api, n8nContext, postToWebhook, printN8nLogOnFailure } from '../e2e/helpers';
import { executionIds, executionsById, finishedExecutions, workersByExecution } from './helpers';

printN8nLogOnFailure();

const TIMED_OUT = 0;
const EVENT_RECEIVED = 1;
const RESUMED = 40;
const TIMING_OUT = 10;
const DUPLICATES = 10;
/** requests in flight at once from this test (the copies of one event go out together): a busy
 * 2-core machine answers hundreds of simultaneous requests to the main slower than a client waits */
const PARALLEL = 10;

interface Run {
	data?: { main?: Array<Array<{ json: Record<string, any> }> | null> };
}

/** The items a node emitted on one output over all of its runs in an execution. */
function itemsOfAllRuns(execution: Execution, node: string, output: number): Array<Record<string, any>> {
	const runs = (execution.data?.resultData.runData[node] ?? []) as Run[];
	return runs.flatMap((run) => (run.data?.main?.[output] ?? []).map((item) => item.json));
}

async function journey(setup: Setup, timeout: { timeoutAmount: number; timeoutUnit: string }) {
	const suffix = randomUUID().slice(0, 8);
	const [imported] = await setup.api.importWorkflows([waitJourney(suffix, timeout, setup.redis)], { activate: true });
	return { id: imported.id as string, startPath: `start-${suffix}` };
}

describe('Wait Until Event on main + 2 workers', () => {
	let setup: Setup;
	beforeAll(async () => {
		setup = await prepare(n8nContext().url, api(), randomUUID().slice(0, 8));
	});

	it(`${RESUMED} waiting journeys each resume exactly once, ${TIMING_OUT} time out, ${DUPLICATES} copies of an event continue one journey once`, async () => {
		const resumed = await journey(setup, { timeoutAmount: 1, timeoutUnit: 'hours' });
		// 20 s: long enough to see each of them waiting before it times out
		const timingOut = await journey(setup, { timeoutAmount: 20, timeoutUnit: 'seconds' });
		const contacts = Array.from({ length: RESUMED }, (_, i) => ({ contactId: `q-${i}-${randomUUID().slice(0, 8)}`, index: i }));
		const idle = Array.from({ length: TIMING_OUT }, (_, i) => ({ contactId: `t-${i}-${randomUUID().slice(0, 8)}`, index: i }));

		await inParallel(contacts, PARALLEL, (c) => postToWebhook(resumed.startPath, c));
		const waiting = await finishedExecutions(resumed.id, RESUMED, { statuses: ['waiting'] });

		// the events, the first contact's ten times over, while the workers also start the journeys that will time out
		const events = contacts.map((c) => purchase(c.contactId, { index: c.index }));
		// the copies first: they take every lane at once
		const deliveries = [...Array.from({ length: DUPLICATES }, () => events[0]), ...events.slice(1)];
		const [answers, parked] = await Promise.all([
			inParallel(deliveries, PARALLEL, (event) => send(setup, event)),
			inParallel(idle, PARALLEL, (c) => postToWebhook(timingOut.startPath, c)).then(() => executionIds(timingOut.id, TIMING_OUT)),
		]);
		expect(answers.reduce((n, a) => n + a.recorded, 0)).toBe(RESUMED);
		expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(DUPLICATES - 1);
		expect(answers.reduce((n, a) => n + a.resumed, 0)).toBeGreaterThanOrEqual(1);

		const done = await executionsById(waiting.map((e) => e.id), { timeoutMs: 240_000 });
		// n8n's wait timer polls once a minute: the 20 s timeouts fire within about 90 s
		const timedOut = await executionsById(parked, { timeoutMs: 240_000 });

		// resumed: the same executions that waited, each continued once on Event Received with its own event
		expect(done.map((e) => e.status)).toEqual(Array(RESUMED).fill('success'));
		const continuations = done.flatMap((e) => itemsOfAllRuns(e, 'Wait Until Event', EVENT_RECEIVED));
		expect(continuations.map((item) => item.contactId).sort()).toEqual(contacts.map((c) => c.contactId).sort());
		for (const item of continuations) expect(item.event.properties.index).toBe(item.index);
		expect(done.flatMap((e) => itemsOfAllRuns(e, 'Wait Until Event', TIMED_OUT))).toEqual([]);
		for (const e of done) expect((e.data?.resultData.runData['Event Branch'] ?? []).length, `execution ${e.id}`).toBe(1);

		// timed out: each on Timed Out with its waiting item, none on Event Received
		expect(timedOut.map((e) => e.status)).toEqual(Array(TIMING_OUT).fill('success'));
		expect(timedOut.flatMap((e) => itemsOfAllRuns(e, 'Wait Until Event', TIMED_OUT)).map((item) => item.contactId).sort()).toEqual(idle.map((c) => c.contactId).sort());
		expect(timedOut.flatMap((e) => itemsOfAllRuns(e, 'Wait Until Event', EVENT_RECEIVED))).toEqual([]);

		// every journey ran twice on the workers, never on the main: its start, then its one continuation
		const byExecution = workersByExecution();
		for (const e of [...done, ...timedOut]) expect(byExecution.get(String(e.id))?.length, `worker runs of execution ${e.id}`).toBe(2);
		// and no execution besides them (the list may still leave some of them out, see executionsById)
		const ours = new Set([...done, ...timedOut].map((e) => String(e.id)));
		const listed = [...(await api().listExecutions({ workflowId: resumed.id })), ...(await api().listExecutions({ workflowId: timingOut.id }))];
		expect(listed.map((e) => String(e.id)).filter((id) => !ours.has(id))).toEqual([]);
	});
});
