/**
 * Wait Until Event's execute() and webhook() with the Journey Event ingest, against a small
 * stand-in for n8n's waiting-webhook endpoint on 127.0.0.1 that keeps execution statuses and
 * continues an execution with a compare-and-set on `waiting`, like n8n 2.41 does. The real n8n
 * is exercised by test/e2e/wait-until-event.test.ts; this tier checks our logic and races fast.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestEvents } from '../../../lib/events/ingest';
import { getMemoryStore } from '../../../lib/store/memory/MemoryStore';
import { TEST_STORE_SUFFIX } from '../../../lib/n8n/store';
import type { ContactEvent } from '../../../lib/store/types';
import { JourneyEvent } from '../../../nodes/JourneyEvent/JourneyEvent.node';
import { WaitUntilEvent } from '../../../nodes/WaitUntilEvent/WaitUntilEvent.node';
import { fakeExecute, fakeWebhook, waitParameters } from './helpers';

const node = new WaitUntilEvent();
const store = getMemoryStore();

interface Execution {
	id: string;
	nodeId: string;
	status: 'waiting' | 'running' | 'finished';
	parameters: Record<string, unknown>;
	/** n8n's execution mode; a resume runs in it too */
	mode?: string;
	/** what continued the journey: [output index, items] (more than one entry = a double continuation) */
	continuations: Array<{ output: number; items: INodeExecutionData[] }>;
}

const executions = new Map<string, Execution>();
let server: http.Server;
let base: string;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		let data = '';
		req.on('data', (chunk) => (data += chunk));
		req.on('end', () => void answer(req, res, data));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-waiting`;
});
afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});

function send(res: http.ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

/** n8n's waiting-webhooks.ts, reduced: status checks, node-id suffix, webhook() in the execution's mode, CAS on waiting. */
async function answer(req: http.IncomingMessage, res: http.ServerResponse, data: string) {
	const [, , executionId, suffix] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
	const execution = executions.get(executionId);
	if (!execution) return send(res, 404, { code: 404, message: `The execution "${executionId}" does not exist.` });
	if (execution.status === 'running') return send(res, 409, { code: 409, message: `The execution "${executionId}" is running already.` });
	if (execution.status === 'finished') return send(res, 409, { code: 409, message: `The execution "${executionId} has finished already.` });
	if (suffix !== execution.nodeId) return send(res, 404, { code: 404, message: 'no waiting webhook with a matching path' });
	const hook = fakeWebhook({ body: JSON.parse(data), parameters: execution.parameters, executionId, nodeId: execution.nodeId, mode: execution.mode });
	const result = await node.webhook.call(hook.ctx);
	if (result.noWebhookResponse) return send(res, hook.response.status ?? 200, hook.response.body);
	if (!result.workflowData) return send(res, 200, { message: 'Webhook call received' });
	if (execution.status !== 'waiting') return send(res, 500, { message: 'There was a problem executing the workflow' });
	execution.status = 'finished';
	const output = result.workflowData.findIndex((branch) => branch.length > 0);
	execution.continuations.push({ output, items: result.workflowData[output] });
	send(res, 200, result.webhookResponse);
}

/** n8n's wait tracker: continues a waiting execution on output 0 with its input (CAS on waiting). */
function timeout(execution: Execution, input: IDataObject) {
	if (execution.status !== 'waiting') return false;
	execution.status = 'finished';
	execution.continuations.push({ output: 0, items: [{ json: input }] });
	return true;
}

const waitParams = (overrides: Record<string, unknown> = {}) => waitParameters({ contactId: (i: number) => `${i}`, ...overrides });

/** Runs the node for one contact like n8n would and registers the execution with the stand-in. */
async function startWait(item: IDataObject, parameters: Record<string, unknown>, extra: { establishedAt?: number; mode?: string } = {}) {
	const id = randomUUID();
	const nodeId = randomUUID();
	const run = fakeExecute({
		items: [item],
		parameters,
		executionId: id,
		nodeId,
		establishedAt: extra.establishedAt ?? Date.now(),
		resumeUrl: `${base}/${id}?signature=tok`,
		mode: extra.mode,
	});
	const execution: Execution = { id, nodeId, status: 'running', parameters: resolveForWebhook(parameters), mode: extra.mode, continuations: [] };
	executions.set(id, execution);
	const output = await node.execute.call(run.ctx);
	if (run.waitTill) execution.status = 'waiting';
	else {
		execution.status = 'finished';
		const index = output.findIndex((branch) => branch.length > 0);
		execution.continuations.push({ output: index, items: output[index] });
	}
	return { execution, output, waitTill: run.waitTill, item, hints: run.hints };
}

/** webhook() reads node parameters without an item index */
function resolveForWebhook(parameters: Record<string, unknown>) {
	return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === 'function' ? (v as (i: number) => unknown)(0) : v]));
}

let seq = 0;
function contact() {
	const contactId = `contact-${++seq}-${randomUUID().slice(0, 8)}`;
	return { contactId, email: `${contactId}@example.com`, cartId: `cart-${seq}` };
}
const event = (contactId: string, name = 'purchase', properties: Record<string, unknown> = {}, overrides: Partial<ContactEvent> = {}): ContactEvent => ({
	id: randomUUID(),
	contactId,
	name,
	properties,
	occurredAt: Date.now(),
	...overrides,
});
const ingest = (events: ContactEvent[]) => ingestEvents(store, events, { resumeOptions: { retryBaseMs: 10, retryBudgetMs: 3000 } });

describe('Wait Until Event (unit, with an n8n stand-in)', () => {
	it('journey KPIs: a parked wait counts waiting and a timeout on the day it times out; the event that resumes it counts event and takes the timeout back', async () => {
		const c = contact();
		const journey = `wait-kpis-${randomUUID()}`;
		const item = { ...c, journey: { name: journey, entryId: `entry-${c.contactId}` }, experiment: { name: 'x', variant: 'A' } };
		const { execution, waitTill } = await startWait(item, waitParams({ contactId: c.contactId, timeoutAmount: 30, timeoutUnit: 'days' }));
		expect(execution.status).toBe('waiting');
		const today = store.kpis.today();
		const timeoutDay = new Date(waitTill!.getTime()).toISOString().slice(0, 10);
		const read = async () => {
			const rows = await store.kpis.read({ journeys: [journey], fromDay: today, toDay: timeoutDay });
			return Object.fromEntries(rows.map((r) => [`${r.day}|${r.variant}|${r.outcome}`, r.count]));
		};
		expect(await read()).toEqual({ [`${today}|A|waiting`]: 1, [`${timeoutDay}|A|timeout`]: 1 });
		expect((await ingest([event(c.contactId)]))[0]).toMatchObject({ resumed: 1 });
		expect(await read()).toEqual({ [`${today}|A|waiting`]: 1, [`${today}|A|event`]: 1, [`${timeoutDay}|A|timeout`]: 0 });
		// decided at once: an event already in the history counts event, a past deadline counts timeout
		const now = await startWait({ ...item, contactId: c.contactId }, waitParams({ contactId: c.contactId, since: 'lookBack', lookBackAmount: 1, lookBackUnit: 'hours' }));
		expect(now.output[1]).toHaveLength(1);
		expect((await read())[`${today}|A|event`]).toBe(2);
	});

	it('a test wait that parks although an older matching event is in the history says why it does not count', async () => {
		const c = contact();
		const testStore = getMemoryStore(`default${TEST_STORE_SUFFIX}`);
		await testStore.events.record([event(c.contactId, 'purchase', {}, { id: 'sample-1', occurredAt: Date.parse('2026-01-01T00:00:00Z') })], { historyLimit: 10, ttlSeconds: 60 });
		const parked = await startWait(c, waitParams({ contactId: c.contactId }), { mode: 'manual' });
		expect(parked.execution.status).toBe('waiting');
		expect(parked.hints).toEqual([
			expect.objectContaining({ type: 'warning', message: expect.stringMatching(/"purchase" \(sample-1\).*occurred at 2026-01-01T00:00:00.000Z, before .*Look-Back Period/) }),
		]);
		// a live wait spends no lookup on it
		await store.events.record([event(c.contactId, 'purchase', {}, { id: 'old-live', occurredAt: Date.parse('2026-01-01T00:00:00Z') })], { historyLimit: 10, ttlSeconds: 60 });
		expect((await startWait(c, waitParams({ contactId: c.contactId }))).hints).toEqual([]);
	});

	it('a test event dated before the journey started says on the Journey Event item why it resumed nothing', async () => {
		const c = contact();
		const { execution } = await startWait(c, waitParams({ contactId: c.contactId }), { mode: 'manual' });
		const record = (occurredAt: string, mode: string, name = 'purchase') =>
			new JourneyEvent().execute.call(
				fakeExecute({
					items: [c],
					parameters: { operation: 'record', store: 'memory', contactId: c.contactId, eventName: name, occurredAt, options: {} },
					mode,
				}).ctx,
			);
		const [[old]] = await record('2026-01-01T00:00:00Z', 'manual');
		expect(old.json.journeyEvent).toMatchObject({ recorded: true, resumed: 0 });
		const [why] = (old.json.journeyEvent as { notResumedBecause: string[] }).notResumedBecause;
		expect(why).toContain(`execution ${execution.id}`);
		expect(why).toMatch(/occurred at 2026-01-01T00:00:00.000Z, before that.*Look-Back/);
		const [[other]] = await record('', 'manual', 'signup');
		expect((other.json.journeyEvent as { notResumedBecause: string[] }).notResumedBecause).toEqual([
			'No journey is waiting for "signup" of this contact in the test store (test runs from the editor).',
		]);
		// live runs do not spend a store lookup on it
		const [[live]] = await record('2026-01-01T00:00:00Z', 'webhook');
		expect(live.json.journeyEvent).not.toHaveProperty('notResumedBecause');
		expect(execution.continuations).toHaveLength(0);
		// the same event dated now resumes the wait
		const [[now]] = await record('', 'manual');
		expect(now.json.journeyEvent).toMatchObject({ resumed: 1 });
		expect(now.json.journeyEvent).not.toHaveProperty('notResumedBecause');
	});

	it('a test run waits in the test store: live events do not resume it, a test event does', async () => {
		const c = contact();
		const { execution } = await startWait(c, waitParams({ contactId: c.contactId }), { mode: 'manual' });
		expect(execution.status).toBe('waiting');
		expect((await store.waits.find([{ contactId: c.contactId, name: 'purchase' }]))[0]).toEqual([]);
		expect((await ingest([event(c.contactId)]))[0]).toMatchObject({ recorded: true, resumed: 0 });
		expect(execution.continuations).toHaveLength(0);

		const testStore = getMemoryStore(`default${TEST_STORE_SUFFIX}`);
		const [result] = await ingestEvents(testStore, [event(c.contactId)], { resumeOptions: { retryBaseMs: 10, retryBudgetMs: 3000 } });
		expect(result).toMatchObject({ recorded: true, resumed: 1 });
		expect(execution.continuations.map((k) => k.output)).toEqual([1]);
	});

	it('parks the execution until its timeout, then an event continues it once on Event Received with the snapshot and the event', async () => {
		const c = contact();
		const before = Date.now();
		const { execution, output, waitTill } = await startWait(c, waitParams({ contactId: c.contactId }));
		expect(output).toEqual([[], []]);
		expect(waitTill!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 5);
		expect(execution.status).toBe('waiting');

		const purchase = event(c.contactId, 'purchase', { total: 80 });
		const [result] = await ingest([purchase]);
		expect(result).toMatchObject({ recorded: true, resumed: 1 });
		expect(execution.continuations).toHaveLength(1);
		const [continuation] = execution.continuations;
		expect(continuation.output).toBe(1);
		expect(continuation.items[0].json).toEqual({
			...c,
			event: { id: purchase.id, contactId: c.contactId, name: 'purchase', properties: { total: 80 }, occurredAt: new Date(purchase.occurredAt).toISOString() },
		});
		expect(continuation.items[0].pairedItem).toEqual({ item: 0 });
		// the registration is gone once n8n said 200
		expect((await store.waits.find([{ contactId: c.contactId, name: 'purchase' }]))[0]).toEqual([]);
	});

	it('continues at once on Event Received when the event was recorded after journey entry but before the wait', async () => {
		const c = contact();
		const entered = Date.now() - 1000;
		const early = event(c.contactId, 'purchase', {}, { occurredAt: entered + 500 });
		await ingest([early]);
		const { execution, output, waitTill } = await startWait(c, waitParams({ contactId: c.contactId }), { establishedAt: entered });
		expect(waitTill).toBeUndefined();
		expect(output[0]).toEqual([]);
		expect(output[1][0].json.event).toMatchObject({ id: early.id });
		expect(execution.continuations).toHaveLength(1);
		expect((await store.waits.get([{ contactId: c.contactId, waitId: `${execution.id}:${execution.nodeId}` }]))[0]).toBeUndefined();
	});

	it('journey entry is journey.enteredAt when a Journey Entry set it (the same after n8n\'s Retry), not the execution start', async () => {
		// a retried execution starts now, but the contact entered the journey 10 minutes ago
		const enteredAt = Date.now() - 600_000;
		const c = contact();
		const between = event(c.contactId, 'purchase', {}, { occurredAt: enteredAt + 60_000 });
		await ingest([between]);
		const item = { ...c, journey: { name: 'j', entryId: 'e-1', enteredAt: new Date(enteredAt).toISOString(), key: null } };
		const retried = await startWait(item, waitParams({ contactId: c.contactId }), { establishedAt: Date.now() });
		expect(retried.waitTill).toBeUndefined();
		expect(retried.output[1][0].json.event).toMatchObject({ id: between.id });
		// without the journey context the execution start still decides: the event is older, so it waits
		const d = contact();
		await ingest([event(d.contactId, 'purchase', {}, { occurredAt: enteredAt + 60_000 })]);
		expect((await startWait(d, waitParams({ contactId: d.contactId }), { establishedAt: Date.now() })).waitTill).toBeDefined();
	});

	it('does not count events from before journey entry, nor (with "Wait Start") from before the wait', async () => {
		const c = contact();
		await ingest([event(c.contactId, 'purchase', {}, { occurredAt: Date.now() - 60_000 })]);
		const byEntry = await startWait(c, waitParams({ contactId: c.contactId }), { establishedAt: Date.now() - 1000 });
		expect(byEntry.waitTill).toBeDefined();
		const d = contact();
		await ingest([event(d.contactId, 'purchase', {}, { occurredAt: Date.now() - 10 })]);
		const byStart = await startWait(d, waitParams({ contactId: d.contactId, since: 'waitStart' }), { establishedAt: Date.now() - 1000 });
		expect(byStart.waitTill).toBeDefined();
		const byLookBack = await startWait(d, waitParams({ contactId: d.contactId, since: 'lookBack', lookBackAmount: 1, lookBackUnit: 'minutes' }));
		expect(byLookBack.waitTill).toBeUndefined();
	});

	it('continues exactly once when 10 identical events arrive at the same time', async () => {
		const c = contact();
		const { execution } = await startWait(c, waitParams({ contactId: c.contactId }));
		const same = event(c.contactId);
		const results = await Promise.all(Array.from({ length: 10 }, () => ingest([{ ...same }])));
		expect(results.flat().filter((r) => r.recorded)).toHaveLength(1);
		expect(results.flat().reduce((n, r) => n + r.resumed, 0)).toBe(1);
		expect(execution.continuations).toHaveLength(1);
	});

	it('continues exactly once when 10 different matching events arrive at the same time', async () => {
		const c = contact();
		const { execution } = await startWait(c, waitParams({ contactId: c.contactId }));
		const results = await Promise.all(Array.from({ length: 10 }, () => ingest([event(c.contactId)])));
		expect(results.flat().filter((r) => r.recorded)).toHaveLength(10);
		expect(results.flat().reduce((n, r) => n + r.resumed, 0)).toBe(1);
		expect(execution.continuations).toHaveLength(1);
		expect(execution.continuations[0].output).toBe(1);
	});

	it('never continues twice when a resume races the timeout', async () => {
		for (let round = 0; round < 10; round++) {
			const c = contact();
			const { execution, item } = await startWait(c, waitParams({ contactId: c.contactId }));
			const racing = ingest([event(c.contactId)]);
			await new Promise((resolve) => setTimeout(resolve, round % 3));
			timeout(execution, item);
			await racing;
			expect(execution.continuations).toHaveLength(1);
		}
	});

	it('resumes only on the correlated cart: a purchase of another cart does not resume it', async () => {
		const c = contact();
		const { execution } = await startWait(
			c,
			waitParams({ contactId: c.contactId, correlate: true, correlationValue: c.cartId, correlationProperty: 'cartId' }),
		);
		const [other] = await ingest([event(c.contactId, 'purchase', { cartId: 'another-cart' })]);
		expect(other.resumed).toBe(0);
		expect(execution.status).toBe('waiting');
		const [right] = await ingest([event(c.contactId, 'purchase', { cartId: c.cartId })]);
		expect(right.resumed).toBe(1);
		expect(execution.continuations).toHaveLength(1);
		expect((execution.continuations[0].items[0].json.event as IDataObject).properties).toEqual({ cartId: c.cartId });
	});

	it('applies event property conditions', async () => {
		const c = contact();
		const { execution } = await startWait(
			c,
			waitParams({ contactId: c.contactId, conditions: '{ "all": [{ "fact": "total", "operator": "greaterThanInclusive", "value": 50 }] }' }),
		);
		expect((await ingest([event(c.contactId, 'purchase', { total: 10 })]))[0].resumed).toBe(0);
		expect((await ingest([event(c.contactId, 'purchase', { total: 50 })]))[0].resumed).toBe(1);
		expect(execution.continuations).toHaveLength(1);
	});

	it('answers a direct call that is not a resume with 400, a wrong token with 404, an unmatched event with 202', async () => {
		const c = contact();
		const { execution } = await startWait(c, waitParams({ contactId: c.contactId }));
		const post = (body: unknown) =>
			fetch(`${base}/${execution.id}/${execution.nodeId}?signature=tok`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		expect((await post({ hello: 'world' })).status).toBe(400);
		expect((await post({ journeysResume: 1, token: 'forged', event: event(c.contactId) })).status).toBe(404);
		const [registration] = (await store.waits.find([{ contactId: c.contactId, name: 'purchase' }]))[0];
		const unmatched = await post({ journeysResume: 1, token: registration.token, event: event(c.contactId, 'page_view') });
		expect(unmatched.status).toBe(202);
		expect(await unmatched.json()).toMatchObject({ journeys: { outcome: 'not_matched' } });
		// a wrong node-id suffix never reaches the node (n8n answers 404)
		expect((await fetch(`${base}/${execution.id}/other-node`, { method: 'POST', body: '{}' })).status).toBe(404);
		expect(execution.status).toBe('waiting');
		expect(execution.continuations).toHaveLength(0);
	});

	it('refuses more than one item with a message that says how to run one contact per execution', async () => {
		const run = fakeExecute({ items: [contact(), contact()], parameters: waitParams({ contactId: '={{ $json.contactId }}' }) });
		await expect(node.execute.call(run.ctx)).rejects.toMatchObject({
			message: expect.stringMatching(/received 2 items.*one contact per execution/),
			description: expect.stringMatching(/Execute Workflow.*Run once for each item/),
		});
	});

	it('in the panel: optional Event Conditions is plain text (never flagged empty), placeholders have no raw "=", Count Events Since explains occurredAt and late events', () => {
		const byName = new Map(node.description.properties.map((p) => [p.name, p]));
		expect(byName.get('conditions')).toMatchObject({ type: 'string', default: '' });
		for (const p of node.description.properties) expect(p.placeholder ?? '', p.name).not.toMatch(/^=/);
		expect(byName.get('since')?.description).toMatch(/occurredAt.*not by when it was recorded.*late event.*resumes nothing/s);
	});

	it('names body.contactId when the contact id is empty on an item from n8n\'s Webhook node', async () => {
		const run = fakeExecute({ items: [{ body: { contactId: 'c-1' } }], parameters: waitParams({ contactId: '' }) });
		await expect(node.execute.call(run.ctx)).rejects.toMatchObject({
			message: 'Contact ID is empty for item 1',
			description: expect.stringMatching(/body\.contactId/),
		});
	});

	it('names the parameter to fix: empty contact id, no event names, bad conditions, bad date, bad zone', async () => {
		const cases: Array<[Record<string, unknown>, RegExp]> = [
			[{ contactId: '' }, /Contact ID is empty/],
			[{ eventNames: ' , ' }, /Event Names is empty/],
			[{ conditions: '{ "all": [{ "fact": "total", "operator": "cotains", "value": 1 }] }' }, /conditions\.all\[0\]\.operator/],
			[{ conditions: '{ nope' }, /not valid JSON/],
			[{ timeoutType: 'dateTime', timeoutDateTime: 'soon' }, /Timeout date and time/],
			[{ timeoutType: 'dateTime', timeoutDateTime: '2030-01-01T00:00', timezone: 'Mars/Olympus' }, /not a valid time zone/],
			[{ correlate: true, correlationValue: '', correlationProperty: 'cartId' }, /Item Value is empty/],
		];
		for (const [overrides, message] of cases) {
			const run = fakeExecute({ items: [contact()], parameters: waitParams({ contactId: 'x', ...overrides }) });
			await expect(node.execute.call(run.ctx)).rejects.toThrow(message);
		}
		const run = fakeExecute({ items: [contact()], parameters: waitParams({ contactId: '' }), continueOnFail: true });
		const out = await node.execute.call(run.ctx);
		expect(out[0][0].json.error).toMatch(/Contact ID is empty/);
	});

	it('times out at once for a deadline in the past, unless the event already happened', async () => {
		const c = contact();
		const past = await startWait(c, waitParams({ contactId: c.contactId, timeoutType: 'dateTime', timeoutDateTime: '2020-01-01T00:00:00Z' }));
		expect(past.waitTill).toBeUndefined();
		expect(past.execution.continuations[0].output).toBe(0);
		await ingest([event(c.contactId)]);
		const happened = await startWait(c, waitParams({ contactId: c.contactId, timeoutType: 'dateTime', timeoutDateTime: '2020-01-01T00:00:00Z' }), {
			establishedAt: Date.now() - 5000,
		});
		expect(happened.execution.continuations[0].output).toBe(1);
	});

	it('reads a date/time deadline in the given zone', async () => {
		const c = contact();
		const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
		const { waitTill } = await startWait(
			c,
			waitParams({ contactId: c.contactId, timeoutType: 'dateTime', timeoutDateTime: `${day} 09:00`, timezone: 'Asia/Seoul' }),
		);
		expect(waitTill?.toISOString()).toBe(`${day}T00:00:00.000Z`);
	});
});
