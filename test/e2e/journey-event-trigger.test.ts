/**
 * Journey Event Trigger and Journey Event in a real n8n 2.41: signed
 * deliveries are verified (bad signature, stale timestamp and replayed id → 401, nothing
 * recorded, nothing resumed), batches start one execution, and the Journey Event node updates
 * consent and erases a contact — proven by listing the contact's Redis keys before and after.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../lib/store/redis/keys';
import { RedisStore } from '../../lib/store/redis/RedisStore';
import { sleep, type Execution } from '../../scripts/n8n/index.mjs';
import {
	bodyAsItemNode,
	journeyEventNode,
	noOpNode,
	postDelivery,
	prepare,
	purchase,
	send,
	signedDelivery,
	waitJourney,
	webhookNode,
	workflow,
	type Json,
	type Setup,
} from '../unit/events/workflows';
import { api, n8nContext, outputItems, printN8nLogOnFailure } from './helpers';
import { storeConfig } from '../integration/helpers/redis';


printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);

const tag = randomUUID().slice(0, 8);
const namespace = `e2e-${tag}`;
const keys = new RedisKeys(namespace, `e2e-hash-secret-${tag}-0123456789`);
let setup: Setup;
let eventsWorkflowId: string;

async function contactKeys(contactId: string): Promise<string[]> {
	const found: string[] = [];
	let cursor = '0';
	do {
		const [next, batch] = await redis.scan(cursor, 'MATCH', `${namespace}:*:{${keys.contactTag(contactId)}}:*`, 'COUNT', 1000);
		found.push(...batch);
		cursor = next;
	} while (cursor !== '0');
	return found.sort();
}

async function executionsOf(workflowId: string): Promise<Execution[]> {
	return await api().listExecutions({ workflowId, includeData: true });
}

beforeAll(async () => {
	setup = await prepare(n8nContext().url, api(), tag);
	const workflows = await api().listWorkflows();
	eventsWorkflowId = workflows.find((w: Json) => w.name === `e2e journey events ${tag}`).id;
});

afterAll(async () => {
	const found = await redis.keys(`${namespace}:*`);
	if (found.length) await redis.del(...found);
	redis.disconnect();
});

describe('Journey Event Trigger in n8n', () => {
	it('(e) refuses a bad signature, a stale timestamp and a replayed id with 401: nothing recorded, nothing resumed', async () => {
		const suffix = randomUUID().slice(0, 8);
		const [journey] = await api().importWorkflows([waitJourney(suffix, { timeoutAmount: 1, timeoutUnit: 'hours' }, setup.redis)], { activate: true });
		const victim = `e-${randomUUID()}`;
		await postJson(`start-${suffix}`, { contactId: victim });
		await api().waitForExecutions({ workflowId: journey.id, count: 1, statuses: ['waiting'], includeData: false });
		const before = (await executionsOf(eventsWorkflowId)).length;
		const keysBefore = await contactKeys(victim);

		const now = Math.floor(Date.now() / 1000);
		const wrongSecret = 'whsec_' + Buffer.from('not-the-configured-secret-000').toString('base64');
		const badSignature = await postDelivery(setup.url, setup.eventsPath, signedDelivery(purchase(victim), { secret: wrongSecret }));
		expect(badSignature.status).toBe(401);
		expect(badSignature.json).toMatchObject({ error: 'no_matching_signature' });

		const stale = await postDelivery(setup.url, setup.eventsPath, signedDelivery(purchase(victim), { timestamp: now - 6 * 60 }));
		expect(stale.status).toBe(401);
		expect(stale.json).toMatchObject({ error: 'timestamp_too_old' });

		const tampered = signedDelivery(purchase(victim));
		const tamperedBody = await postDelivery(setup.url, setup.eventsPath, { ...tampered, body: tampered.body.replace('purchase', 'purchasE') });
		expect(tamperedBody.status).toBe(401);

		// a valid delivery for someone else, then the very same request again
		const other = `e-other-${randomUUID()}`;
		const original = signedDelivery(purchase(other, { n: 1 }));
		expect((await postDelivery(setup.url, setup.eventsPath, original)).status).toBe(200);
		const replay = await postDelivery(setup.url, setup.eventsPath, original);
		expect(replay.status).toBe(401);
		expect(replay.json).toMatchObject({ error: 'replayed' });
		// the same id with another (validly signed) body is a replay too
		const sameId = await postDelivery(setup.url, setup.eventsPath, signedDelivery(purchase(victim), { id: original.id }));
		expect(sameId.status).toBe(401);

		await sleep(1500);
		// only the valid delivery started an execution, and only its event was recorded
		const after = await executionsOf(eventsWorkflowId);
		expect(after.length - before).toBe(1);
		expect(await contactKeys(victim)).toEqual(keysBefore);
		const store = RedisStore.standalone(storeConfig(namespace, { hashSecret: `e2e-hash-secret-${tag}-0123456789`, commandTimeoutMs: 5000 }));
		try {
			expect(await store.events.list([{ contactId: victim }, { contactId: other }])).toEqual([[], [expect.objectContaining({ contactId: other, properties: { n: 1 } })]]);
		} finally {
			await store.close();
		}
		// the victim's journey still waits
		const [stillWaiting] = await api().listExecutions({ workflowId: journey.id });
		expect(stillWaiting.status).toBe('waiting');
	});

	it('accepts a batch { events: [...] } and starts one execution with one item per event', async () => {
		const before = (await executionsOf(eventsWorkflowId)).map((e) => e.id);
		const a = `batch-a-${randomUUID()}`;
		const b = `batch-b-${randomUUID()}`;
		const events = [purchase(a, { n: 1 }), { ...purchase(b), name: 'signup' }, purchase(a, { n: 2 })];
		const answer = await send(setup, { events });
		expect(answer).toEqual({ accepted: 3, recorded: 3, duplicates: 0, resumed: 0 });
		const executions = await api().waitForExecutions({ workflowId: eventsWorkflowId, count: before.length + 1, statuses: ['success'] });
		const fresh = executions.filter((e) => !before.includes(e.id));
		expect(fresh).toHaveLength(1);
		const [items] = outputItems(fresh[0], 'Journey Event Trigger');
		expect(items.map((item) => [item.contactId, item.name, item.journeyEvent.recorded])).toEqual([
			[a, 'purchase', true],
			[b, 'signup', true],
			[a, 'purchase', true],
		]);
		expect(outputItems(fresh[0], 'Received')[0]).toHaveLength(3);
	});
});

describe('Journey Event node in n8n', () => {
	/** Webhook → Contact → Journey Event (one operation) → Done */
	async function operationWorkflow(parameters: Json): Promise<{ id: string; path: string }> {
		const suffix = randomUUID().slice(0, 8);
		const wf = workflow(
			`e2e journey event ${parameters.operation} ${suffix}`,
			[webhookNode('In', `op-${suffix}`), bodyAsItemNode('Contact'), journeyEventNode('Journey Event', parameters, setup.redis), noOpNode('Done')],
			[
				['In', 0, 'Contact'],
				['Contact', 0, 'Journey Event'],
				['Journey Event', 0, 'Done'],
			],
		);
		const [imported] = await api().importWorkflows([wf], { activate: true });
		return { id: imported.id, path: `op-${suffix}` };
	}

	async function run(op: { id: string; path: string }, body: Json, count: number): Promise<Json[]> {
		await postJson(op.path, body);
		const executions = await api().waitForExecutions({ workflowId: op.id, count, statuses: ['success', 'error'] });
		const last = executions[executions.length - 1];
		expect(last.status).toBe('success');
		return outputItems(last, 'Journey Event')[0];
	}

	it('records events, updates consent and unsubscribes, then erases every Redis key of the contact', async () => {
		const record = await operationWorkflow({
			operation: 'record',
			eventId: '={{ $json.id }}',
			contactId: '={{ $json.contactId }}',
			eventName: '={{ $json.name }}',
			properties: '={{ $json.properties }}',
			occurredAt: '={{ $json.occurredAt }}',
		});
		const consent = await operationWorkflow({
			operation: 'consent',
			contactId: '={{ $json.contactId }}',
			consentChanges: { changes: [{ topic: 'email', granted: true }, { topic: 'night', granted: false }] },
			source: 'preference-center',
			occurredAt: '',
		});
		const unsubscribe = await operationWorkflow({ operation: 'subscription', contactId: '={{ $json.contactId }}', subscriptionAction: 'unsubscribe', channels: 'sms', occurredAt: '' });
		const erase = await operationWorkflow({ operation: 'erase', contactId: '={{ $json.contactId }}' });

		const zoe = `zoe-${randomUUID()}@example.com`;
		const keep = `keep-${randomUUID()}@example.com`;
		for (const contactId of [zoe, keep]) {
			const [recorded] = await run(record, { ...purchase(contactId, { total: 5 }), contactId }, contactId === zoe ? 1 : 2);
			expect(recorded.journeyEvent).toMatchObject({ operation: 'record', recorded: true, duplicate: false });
		}
		const [consented] = await run(consent, { contactId: zoe }, 1);
		expect(consented.journeyEvent).toMatchObject({
			consent: { email: { granted: true, source: 'preference-center' }, night: { granted: false } },
		});
		const [unsubscribed] = await run(unsubscribe, { contactId: zoe }, 1);
		expect(unsubscribed.journeyEvent.subscriptions).toMatchObject({ sms: { subscribed: false } });
		// a waiting journey of zoe (wait keys) and a cap reservation (cap keys) too
		const suffix = randomUUID().slice(0, 8);
		const [journey] = await api().importWorkflows([waitJourney(suffix, { timeoutAmount: 1, timeoutUnit: 'hours', eventNames: 'never' }, setup.redis)], { activate: true });
		await postJson(`start-${suffix}`, { contactId: zoe });
		await api().waitForExecutions({ workflowId: journey.id, count: 1, statuses: ['waiting'], includeData: false });
		const store = RedisStore.standalone(storeConfig(namespace, { hashSecret: `e2e-hash-secret-${tag}-0123456789`, commandTimeoutMs: 5000 }));
		try {
			await store.caps.apply([{ mode: 'record', contactId: zoe, channel: 'email', messageKey: 'welcome' }]);
		} finally {
			await store.close();
		}

		const before = await contactKeys(zoe);
		const kinds = before.map((key) => key.replace(`${namespace}:`, '').replace(`{${keys.contactTag(zoe)}}:`, ''));
		expect(kinds.sort()).toEqual(['cap:log', 'ct:state', 'ev:hist', 'ev:seen', 'wait:idx', 'wait:regs']);
		for (const key of before) expect(key).not.toContain('zoe');
		const othersBefore = await contactKeys(keep);
		expect(othersBefore.length).toBeGreaterThan(0);

		const [erased] = await run(erase, { contactId: zoe }, 1);
		expect(erased.journeyEvent).toEqual({ operation: 'erase', erased: true, removedKeys: 6 });
		expect(await contactKeys(zoe)).toEqual([]);
		expect(await contactKeys(keep)).toEqual(othersBefore);
	});
});

async function postJson(path: string, body: unknown): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		const res = await fetch(`${setup.url}/webhook/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
		if (res.ok) return;
		if (res.status === 404 && attempt < 20) {
			await sleep(250);
			continue;
		}
		throw new Error(`POST /webhook/${path} answered ${res.status}: ${await res.text()}`);
	}
}
