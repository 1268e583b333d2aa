/**
 * Wait Until Event in a real n8n 2.41: journeys start through a
 * webhook, park in Wait Until Event (Redis store), and signed events posted to a Journey Event
 * Trigger resume them. Every assertion reads the executions back from n8n's public API.
 *
 * (f) restarts n8n, so it runs on an n8n of its own (own user folder and ports), not the shared
 * one of the tier.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchN8n, sleep, type Execution, type N8nApi } from '../../scripts/n8n/index.mjs';
import { prepare, purchase, send, waitJourney, type Json, type Setup } from '../unit/events/workflows';
import { api, n8nContext, n8nLogSince, n8nLogSize, outputItems, printN8nLogOnFailure } from './helpers';

printN8nLogOnFailure();

/**
 * What n8n logs (error level) when it refuses a resume: "Error in handling webhook request POST
 * /webhook-waiting/…: The execution … is running already" (or finished), or a resume that lost
 * the compare-and-set ("already being resumed by another process").
 */
const REFUSED_RESUME = /Error in handling webhook request|already being resumed|problem executing the workflow/i;

const TIMED_OUT = 0;
const EVENT_RECEIVED = 1;

/** Imports and activates a waiting journey; returns its id and its start path. */
async function journey(setup: Setup, waitParameters: Json, options: { delaySeconds?: number } = {}) {
	const suffix = randomUUID().slice(0, 8);
	const [imported] = await setup.api.importWorkflows([waitJourney(suffix, waitParameters, setup.redis, options)], { activate: true });
	return { id: imported.id as string, startPath: `start-${suffix}` };
}

async function start(setup: Setup, startPath: string, contact: Json): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		const res = await fetch(`${setup.url}/webhook/${startPath}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(contact),
		});
		if (res.ok) return;
		if (res.status === 404 && attempt < 20) {
			await sleep(250);
			continue;
		}
		throw new Error(`starting the journey answered ${res.status}: ${await res.text()}`);
	}
}

/** Polls until the workflow has `count` executions in one of `statuses`. */
async function executionsIn(n8nApi: N8nApi, workflowId: string, count: number, statuses: string[], timeoutMs = 60_000): Promise<Execution[]> {
	return await n8nApi.waitForExecutions({ workflowId, count, statuses, timeoutMs, includeData: true, intervalMs: 250 });
}

function waitOutput(execution: Execution) {
	return outputItems(execution, 'Wait Until Event');
}

interface RunOf {
	startTime: number;
	data?: { main?: Array<Array<{ json: Record<string, any> }> | null> };
}

/** The items a node emitted on one output over all of its runs in an execution (not only the first). */
function itemsOfAllRuns(execution: Execution, node: string, output: number): Array<Record<string, any>> {
	const runs = (execution.data?.resultData.runData[node] ?? []) as RunOf[];
	return runs.flatMap((run) => (run.data?.main?.[output] ?? []).map((item) => item.json));
}

/** node → start times of its runs, for failure messages */
function runSummary(runData: Record<string, RunOf[]>): Record<string, string[]> {
	return Object.fromEntries(Object.entries(runData).map(([node, runs]) => [node, runs.map((run) => new Date(run.startTime).toISOString())]));
}

describe('Wait Until Event in n8n', () => {
	let setup: Setup;
	beforeAll(async () => {
		setup = await prepare(n8nContext().url, api(), randomUUID().slice(0, 8));
	});

	it('(a) an event resumes the waiting journey on Event Received, carrying the contact and the event', async () => {
		const { id, startPath } = await journey(setup, { timeoutAmount: 1, timeoutUnit: 'hours' });
		const contact = { contactId: `a-${randomUUID()}`, email: 'a@example.com', plan: 'pro' };
		await start(setup, startPath, contact);
		const [waiting] = await executionsIn(setup.api, id, 1, ['waiting']);
		expect(waiting.waitTill).not.toBeNull();

		const event = purchase(contact.contactId, { total: 80 });
		const answer = await send(setup, event);
		expect(answer).toEqual({ accepted: 1, recorded: 1, duplicates: 0, resumed: 1 });

		const [done] = await executionsIn(setup.api, id, 1, ['success']);
		expect(done.id).toBe(waiting.id);
		const outputs = waitOutput(done);
		expect(outputs[TIMED_OUT] ?? []).toEqual([]);
		expect(outputs[EVENT_RECEIVED]).toHaveLength(1);
		expect(outputs[EVENT_RECEIVED][0]).toEqual({
			...contact,
			event: { id: event.id, contactId: contact.contactId, name: 'purchase', properties: { total: 80 }, occurredAt: event.occurredAt },
		});
		expect(outputItems(done, 'Event Branch')[0]).toEqual(outputs[EVENT_RECEIVED]);
		expect(done.data?.resultData.runData['Timed Out Branch']).toBeUndefined();
	});

	it('(b) without an event the journey continues on Timed Out with the waiting item (granularity: n8n\'s 60 s poll)', async () => {
		const { id, startPath } = await journey(setup, { timeoutAmount: 5, timeoutUnit: 'seconds' });
		const contact = { contactId: `b-${randomUUID()}`, email: 'b@example.com' };
		await start(setup, startPath, contact);
		const [waiting] = await executionsIn(setup.api, id, 1, ['waiting']);
		const waitTill = Date.parse(String(waiting.waitTill));
		const [done] = await executionsIn(setup.api, id, 1, ['success'], 150_000);
		const outputs = waitOutput(done);
		expect(outputs[TIMED_OUT]).toEqual([contact]);
		expect(outputs[EVENT_RECEIVED] ?? []).toEqual([]);
		expect(outputItems(done, 'Timed Out Branch')[0]).toEqual([contact]);
		expect(done.data?.resultData.runData['Event Branch']).toBeUndefined();
		// n8n's wait tracker polls every 60 s (for waits due within 70 s) and then sets a timer:
		// a 5 s timeout fires between its deadline and one poll interval later
		const lateMs = Date.parse(String(done.stoppedAt)) - waitTill;
		console.log(`(b) a 5 s timeout continued ${Math.round(lateMs / 100) / 10} s after its deadline`);
		expect(lateMs).toBeGreaterThanOrEqual(-1000);
		expect(lateMs).toBeLessThan(75_000);
		// an event after the timeout resumes nothing
		expect((await send(setup, purchase(contact.contactId))).resumed).toBe(0);
	});

	it('(c) an event recorded after journey entry but before the wait starts resumes at once, without waiting', async () => {
		const { id, startPath } = await journey(setup, { timeoutAmount: 1, timeoutUnit: 'hours' }, { delaySeconds: 4 });
		const contact = { contactId: `c-${randomUUID()}`, email: 'c@example.com' };
		await start(setup, startPath, contact);
		await sleep(1000); // the journey is in its delay: no wait registered yet
		const event = purchase(contact.contactId, { sku: 'x' });
		expect(await send(setup, event)).toMatchObject({ recorded: 1, resumed: 0 });
		const [done] = await executionsIn(setup.api, id, 1, ['success']);
		expect(done.waitTill).toBeNull();
		const outputs = waitOutput(done);
		expect(outputs[EVENT_RECEIVED]).toHaveLength(1);
		expect(outputs[EVENT_RECEIVED][0]).toMatchObject({ ...contact, event: { id: event.id, name: 'purchase' } });
		// it never parked: the run of the node is its first and only one, and it took milliseconds
		const run = (done.data?.resultData.runData['Wait Until Event'] ?? []) as Array<{ executionTime?: number }>;
		expect(run).toHaveLength(1);
		expect(run[0].executionTime ?? 0).toBeLessThan(5000);
	});

	it('(d) 10 identical events posted concurrently continue the journey exactly once', async () => {
		const { id, startPath } = await journey(setup, { timeoutAmount: 1, timeoutUnit: 'hours' });
		const contact = { contactId: `d-${randomUUID()}` };
		await start(setup, startPath, contact);
		await executionsIn(setup.api, id, 1, ['waiting']);
		const event = purchase(contact.contactId);
		const logFrom = n8nLogSize();
		// same event, ten deliveries (ten webhook ids, as a sender's retries or a fan-out would be)
		const answers = await Promise.all(Array.from({ length: 10 }, () => send(setup, event)));
		expect(answers.reduce((n, a) => n + a.recorded, 0)).toBe(1);
		expect(answers.reduce((n, a) => n + a.resumed, 0)).toBe(1);
		// the copies leave the wait to the one that claimed it: n8n refuses (and logs) no resume
		expect(n8nLogSince(logFrom).filter((line) => REFUSED_RESUME.test(line))).toEqual([]);
		const [done] = await executionsIn(setup.api, id, 1, ['success']);
		expect(waitOutput(done)[EVENT_RECEIVED]).toHaveLength(1);
		expect(outputItems(done, 'Event Branch')[0]).toHaveLength(1);
		await sleep(1500);
		const all = await setup.api.listExecutions({ workflowId: id, includeData: true });
		expect(all).toHaveLength(1);
		expect(all[0].status).toBe('success');
	});

	it('(d) 10 different matching events posted concurrently continue the journey exactly once', async () => {
		const { id, startPath } = await journey(setup, { timeoutAmount: 1, timeoutUnit: 'hours' });
		const contact = { contactId: `d2-${randomUUID()}` };
		await start(setup, startPath, contact);
		await executionsIn(setup.api, id, 1, ['waiting']);
		const answers = await Promise.all(Array.from({ length: 10 }, () => send(setup, purchase(contact.contactId))));
		expect(answers.reduce((n, a) => n + a.recorded, 0)).toBe(10);
		expect(answers.reduce((n, a) => n + a.resumed, 0)).toBe(1);
		const [done] = await executionsIn(setup.api, id, 1, ['success']);
		expect(waitOutput(done)[EVENT_RECEIVED]).toHaveLength(1);
		await sleep(1500);
		expect(await setup.api.listExecutions({ workflowId: id })).toHaveLength(1);
	});

	it('(g) cart abandonment: a purchase of another cart does not resume the journey, the right cart does', async () => {
		const { id, startPath } = await journey(setup, {
			timeoutAmount: 24,
			timeoutUnit: 'hours',
			correlate: true,
			correlationValue: '={{ $json.cartId }}',
			correlationProperty: 'cartId',
		});
		const contact = { contactId: `g-${randomUUID()}`, cartId: 'cart-1', email: 'g@example.com' };
		await start(setup, startPath, contact);
		const [waiting] = await executionsIn(setup.api, id, 1, ['waiting']);

		expect(await send(setup, purchase(contact.contactId, { cartId: 'cart-2', total: 10 }))).toMatchObject({ recorded: 1, resumed: 0 });
		expect(await send(setup, { ...purchase(contact.contactId, { cartId: 'cart-1' }), name: 'cart_viewed' })).toMatchObject({ resumed: 0 });
		await sleep(1000);
		expect((await setup.api.getExecution(waiting.id, { includeData: false })).status).toBe('waiting');

		const right = purchase(contact.contactId, { cartId: 'cart-1', total: 99 });
		expect(await send(setup, right)).toMatchObject({ recorded: 1, resumed: 1 });
		const [done] = await executionsIn(setup.api, id, 1, ['success']);
		expect(waitOutput(done)[EVENT_RECEIVED]).toEqual([{ ...contact, event: { ...right, properties: { cartId: 'cart-1', total: 99 } } }]);
	});
});

describe('Wait Until Event across an n8n restart (own n8n instance)', () => {
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-e2e-restart-'));
	let launched: Awaited<ReturnType<typeof launchN8n>> | undefined;
	const log = (msg: string) => console.log(`[restart n8n] ${msg}`);
	// JOURNEYS_E2E_N8N_LOG_LEVEL=debug to see every resume in the kept log (JOURNEYS_E2E_KEEP=1)
	const env = process.env.JOURNEYS_E2E_N8N_LOG_LEVEL ? { N8N_LOG_LEVEL: process.env.JOURNEYS_E2E_N8N_LOG_LEVEL } : undefined;

	afterAll(async () => {
		await launched?.n8n.stop();
		if (process.env.JOURNEYS_E2E_KEEP !== '1') rmSync(userFolder, { recursive: true, force: true });
	});

	it('(f) 20 journeys waiting while n8n is stopped and started again each resume exactly once afterwards', async () => {
		launched = await launchN8n({ userFolder, tarball: inject('packageTarball'), owner: { email: 'restart@example.com' }, log, env });
		const setup = await prepare(launched.n8n.url, launched.api, randomUUID().slice(0, 8));
		const { id, startPath } = await journey(setup, { timeoutAmount: 2, timeoutUnit: 'hours' });
		const contacts = Array.from({ length: 20 }, (_, i) => ({ contactId: `f-${i}-${randomUUID().slice(0, 8)}`, index: i }));
		for (const contact of contacts) await start(setup, startPath, contact);
		const waiting = await executionsIn(setup.api, id, 20, ['waiting']);
		expect(waiting).toHaveLength(20);

		// stop n8n and start it again on the same address (the resume URLs the waits keep point there)
		const { port, runnerBrokerPort } = launched.n8n;
		await launched.n8n.stop();
		const restartedAt = Date.now();
		launched = await launchN8n({ userFolder, port, runnerBrokerPort, owner: { email: 'restart@example.com' }, log, env });
		const restarted: Setup = { ...setup, url: launched.n8n.url, api: launched.api };
		expect(await restarted.api.listExecutions({ workflowId: id, status: 'waiting' })).toHaveLength(20);

		// every contact's event, each delivered twice at the same time, five contacts at a time
		const events = contacts.map((c) => purchase(c.contactId, { index: c.index }));
		const answers: Awaited<ReturnType<typeof send>>[] = [];
		for (let i = 0; i < events.length; i += 5) {
			const chunk = events.slice(i, i + 5);
			answers.push(...(await Promise.all([...chunk, ...chunk].map((event) => send(restarted, event)))));
		}
		expect(answers.reduce((n, a) => n + a.recorded, 0)).toBe(20);
		expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(20);
		// both copies of an event try to resume its wait (a copy also resumes, so a retry after a
		// crash finishes the job): one claims and continues the journey, the other leaves it to
		// that one ("in_progress") or finds it continued ("gone"). On a starved machine the
		// winner's answer can come too late and its retry also says "gone", so the answers only
		// bound the count; the executions below count exactly
		const resumed = answers.reduce((n, a) => n + a.resumed, 0);
		const skipped = answers.reduce((n, a) => n + (a.notResumed?.gone ?? 0) + (a.notResumed?.in_progress ?? 0), 0);
		expect(resumed).toBeGreaterThanOrEqual(1);
		expect(resumed + skipped, JSON.stringify(answers.filter((a) => a.notResumed))).toBe(40);
		expect(answers.every((a) => Object.keys(a.notResumed ?? {}).every((k) => k === 'gone' || k === 'in_progress'))).toBe(true);

		await executionsIn(restarted.api, id, 20, ['success'], 120_000);
		await sleep(1500); // a second continuation, if there were one, would show up as a run or an execution
		const all = await restarted.api.listExecutions({ workflowId: id, includeData: true });
		expect(all.map((e) => e.status)).toEqual(Array(20).fill('success'));
		expect(all.map((e) => e.id).sort()).toEqual(waiting.map((e) => e.id).sort());

		// every run of every node of every execution: exactly 20 continuations in all, one per
		// contact, each carrying its own contact's event
		const continuations = all.flatMap((execution) => itemsOfAllRuns(execution, 'Wait Until Event', EVENT_RECEIVED));
		expect(continuations).toHaveLength(20);
		expect(continuations.map((item) => item.contactId).sort()).toEqual(contacts.map((c) => c.contactId).sort());
		for (const item of continuations) expect(item.event.properties.index).toBe(item.index);
		for (const execution of all) {
			const runData = execution.data!.resultData.runData as Record<string, RunOf[]>;
			const after = (node: string) => (runData[node] ?? []).filter((run) => run.startTime >= restartedAt);
			const before = (node: string) => (runData[node] ?? []).filter((run) => run.startTime < restartedAt);
			const where = `execution ${execution.id}: ${JSON.stringify(runSummary(runData))}`;
			// the waiting node ran exactly once after the restart (its resume), and emitted one item
			// on Event Received and nothing on Timed Out across all its runs
			expect(after('Wait Until Event'), where).toHaveLength(1);
			expect(itemsOfAllRuns(execution, 'Wait Until Event', EVENT_RECEIVED), where).toHaveLength(1);
			expect(itemsOfAllRuns(execution, 'Wait Until Event', TIMED_OUT), where).toHaveLength(0);
			// the journey's start ran once, before the restart; its continuation once, after it
			for (const node of ['Start', 'Contact']) {
				expect(before(node), `${node} in ${where}`).toHaveLength(1);
				expect(after(node), `${node} in ${where}`).toHaveLength(0);
			}
			expect(runData['Event Branch'] ?? [], where).toHaveLength(1);
			expect(after('Event Branch'), where).toHaveLength(1);
			expect(itemsOfAllRuns(execution, 'Event Branch', 0), where).toHaveLength(1);
			expect(runData['Timed Out Branch'], where).toBeUndefined();
		}
	});
});

