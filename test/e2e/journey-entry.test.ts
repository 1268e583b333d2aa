/**
 * Journey Entry in a real n8n with the Redis store:
 *  (a) Trigger → Journey Entry → Frequency Cap → Send (an HTTP server that fails the first call):
 *      the failed execution retried through the public API (`POST /api/v1/executions/{id}/retry`)
 *      succeeds, and the contact's cap log holds one send. n8n resumes a retry at the failed node,
 *      so the same trigger input delivered again (a new execution that re-runs every node) is
 *      what tells keys from the entry apart from keys from the execution: it is the same entry,
 *      with the same message key, and takes no second slot;
 *  (b) 20 concurrent posts for one contact → one Entered;
 *  (c) "again after 7 days": too soon, then Entered once the store's clock is moved 7 days on
 *      (the JOURNEYS_TEST_CLOCK_FILE hook the tier's n8n runs with);
 *  (d) while in the journey a contact is refused; after Journey Event → Exit Journey they enter.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
	api,
	importWorkflow,
	isolated,
	loadFixture,
	onlyWebhookPath,
	outputItems,
	postToWebhook,
	printN8nLogOnFailure,
	waitForExecutions,
	type Workflow,
} from './helpers';

printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENTERED = 0;
const NOT_ENTERED = 1;
const DAY = 86_400_000;
const namespace = `e2e-entry-${randomBytes(4).toString('hex')}`;
const clockFile = path.join(inject('n8nUserFolder'), 'journeys-test-clock.json');
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
let credential: { id: string; name: string };

/** The message sink: answers 500 to the first request of each contact, 200 after. */
const received: Array<{ contactId: string; messageKey: string; status: number }> = [];
let sink: Server;
let sinkUrl = '';

beforeAll(async () => {
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	const created = await api().ensureRedisCredential({
		redisUrl: REDIS_URL,
		name: `Journey store ${namespace}`,
		namespace,
		hashSecret: randomBytes(24).toString('base64url'),
	});
	if (!created) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	credential = created;
	sink = createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			const json = JSON.parse(body || '{}') as { contactId: string; messageKey: string };
			const status = received.some((r) => r.contactId === json.contactId) ? 200 : 500;
			received.push({ ...json, status });
			res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: status === 200 }));
		});
	});
	await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
	sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/send`;
});

afterAll(async () => {
	rmSync(clockFile, { force: true });
	await new Promise((resolve) => sink?.close(resolve));
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
			if (keys.length) await redis.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
});

function withCredential(workflow: Workflow): Workflow {
	for (const node of workflow.nodes) if (node.credentials?.journeyStoreRedisApi) node.credentials.journeyStoreRedisApi = credential;
	return workflow;
}

/** Webhook → Journey Entry (with these parameters), nothing after it. */
function entryWorkflow(journeyName: string, parameters: Record<string, unknown>): Workflow {
	const suffix = randomUUID().slice(0, 8);
	return {
		name: `e2e journey entry ${journeyName} ${suffix}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Journey Trigger',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: `e2e-journey-entry-${suffix}`, responseMode: 'onReceived', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Journey Entry',
				type: 'n8n-nodes-journeys.journeyEntry',
				typeVersion: 1,
				position: [240, 0],
				parameters: { journeyName, contactId: '={{ $json.body.contactId }}', store: 'redis', ...parameters },
				credentials: { journeyStoreRedisApi: credential },
			},
		],
		connections: { 'Journey Trigger': { main: [[{ node: 'Journey Entry', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

/** Webhook → Journey Event (Exit Journey). */
function exitWorkflow(journeyName: string): Workflow {
	const suffix = randomUUID().slice(0, 8);
	return {
		name: `e2e exit journey ${journeyName} ${suffix}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Exit Trigger',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: `e2e-exit-journey-${suffix}`, responseMode: 'onReceived', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Exit Journey',
				type: 'n8n-nodes-journeys.journeyEvent',
				typeVersion: 1,
				position: [240, 0],
				parameters: { operation: 'exitJourney', journeyName, contactId: '={{ $json.body.contactId }}', exitEntryKey: '', store: 'redis' },
				credentials: { journeyStoreRedisApi: credential },
			},
		],
		connections: { 'Exit Trigger': { main: [[{ node: 'Exit Journey', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

/** Posts one body and returns the Journey Entry's decision in the execution it started. */
async function enter(workflowId: string, hook: string, body: Record<string, unknown>, done: number) {
	await postToWebhook(hook, body);
	const executions = await waitForExecutions(workflowId, done, 60_000);
	const outputs = outputItems(executions[done - 1], 'Journey Entry');
	const entered = outputs[ENTERED] ?? [];
	const item = entered[0] ?? (outputs[NOT_ENTERED] ?? [])[0];
	return { entered: entered.length === 1, journey: item.journey as Record<string, any> };
}

async function capLog(contactKeyPattern = `${namespace}:cap:*`): Promise<string[]> {
	const keys: string[] = [];
	let cursor = '0';
	do {
		const [next, batch] = await redis.scan(cursor, 'MATCH', contactKeyPattern, 'COUNT', 1000);
		keys.push(...batch);
		cursor = next;
	} while (cursor !== '0');
	const logs = await Promise.all(keys.map((k) => redis.get(k)));
	return logs.flatMap((log) => (log ? log.split(';') : []));
}

describe('Journey Entry in n8n (Redis store)', () => {
	it('(a) n8n\'s Retry of a failed execution and a re-delivered trigger input take the cap slot once', async () => {
		const workflow = withCredential(isolated(loadFixture('journey-entry-retry.json')));
		workflow.nodes.find((n: Workflow) => n.name === 'Send').parameters.url = sinkUrl;
		const imported = await importWorkflow(workflow);
		const hook = onlyWebhookPath(imported);
		const contactId = `retry-${randomUUID().slice(0, 8)}@example.com`;
		const body = { contactId, eventId: `evt-${randomUUID()}` };

		await postToWebhook(hook, body);
		const [failed] = await waitForExecutions(imported.id, 1, 60_000);
		expect(failed.status).toBe('error');
		const [enteredItem] = outputItems(failed, 'Journey Entry')[ENTERED];
		expect(enteredItem.journey).toMatchObject({ name: 'e2e-retry', entryId: body.eventId, entered: true, reason: 'entered', key: null });
		const [allowed] = outputItems(failed, 'Frequency Cap')[0];
		const messageKey = `${imported.id}:Frequency Cap:${contactId}:${body.eventId}`;
		expect(allowed.frequencyCap).toMatchObject({ allowed: true, reason: 'within_limits', count: 1, messageKey });

		const retry = await api().request('POST', `/executions/${failed.id}/retry`, { loadWorkflow: false });
		expect(retry.status).toBe(200);
		const all = await waitForExecutions(imported.id, 2, 60_000);
		const retried = all.find((e) => e.id !== failed.id)!;
		expect(retried.status).toBe('success');
		const runData = retried.data!.resultData.runData;
		expect(Object.keys(runData)).toEqual(expect.arrayContaining(['Journey Entry', 'Frequency Cap', 'Send']));
		// n8n 2.41 resumes a retry at the failed node: the nodes before it keep their first run
		const startTime = (execution: typeof failed) => (execution.data!.resultData.runData['Frequency Cap'][0] as { startTime?: number }).startTime;
		expect(startTime(retried)).toBeDefined();
		expect(startTime(retried)).toBe(startTime(failed));

		// the same input delivered again is a new execution that re-runs every node
		await postToWebhook(hook, body);
		const three = await waitForExecutions(imported.id, 3, 60_000);
		const again = three[2];
		expect(again.status).toBe('success');
		expect(outputItems(again, 'Journey Entry')[ENTERED][0].journey).toMatchObject({
			entryId: body.eventId,
			reason: 'same_entry',
			enteredAt: enteredItem.journey.enteredAt,
		});
		expect(outputItems(again, 'Frequency Cap')[0][0].frequencyCap).toMatchObject({ allowed: true, reason: 'already_reserved', messageKey });

		// one slot in the store however often the message was attempted
		expect(await capLog()).toHaveLength(1);
		expect(received.filter((r) => r.contactId === contactId).map((r) => [r.status, r.messageKey])).toEqual([
			[500, messageKey],
			[200, messageKey],
			[200, messageKey],
		]);
	});

	it('(b) 20 concurrent posts for one contact → one Entered', async () => {
		const imported = await importWorkflow(entryWorkflow('e2e-concurrent', { reentry: 'anyTime', whileActive: 'refuse' }));
		const hook = onlyWebhookPath(imported);
		const contactId = `race-${randomUUID().slice(0, 8)}@example.com`;
		const posts = await Promise.all(Array.from({ length: 20 }, (_, n) => postToWebhook(hook, { contactId, n })));
		expect(posts.every((p) => p.status === 200)).toBe(true);
		const executions = await waitForExecutions(imported.id, 20, 120_000);
		expect(executions.map((e) => e.status)).toEqual(Array(20).fill('success'));
		const entered = executions.flatMap((e) => outputItems(e, 'Journey Entry')[ENTERED] ?? []);
		const refused = executions.flatMap((e) => outputItems(e, 'Journey Entry')[NOT_ENTERED] ?? []);
		expect(entered).toHaveLength(1);
		expect(refused).toHaveLength(19);
		for (const item of refused) {
			expect(item.journey).toMatchObject({ entered: false, reason: 'already_in_journey', enteredAt: null });
			expect(Date.parse(item.journey.retryAt)).toBeGreaterThan(Date.now() + 89 * DAY);
		}
		// 20 different inputs, 20 different default entry ids
		expect(new Set([...entered, ...refused].map((i) => i.journey.entryId)).size).toBe(20);
	});

	it('(c) "again after 7 days": too soon, then Entered once the store clock is 7 days on', async () => {
		const imported = await importWorkflow(
			entryWorkflow('e2e-after-days', { reentry: 'afterPeriod', reentryAfterDays: 7, whileActive: 'allow' }),
		);
		const hook = onlyWebhookPath(imported);
		const contactId = `later-${randomUUID().slice(0, 8)}@example.com`;
		const first = await enter(imported.id, hook, { contactId, n: 1 }, 1);
		expect(first).toMatchObject({ entered: true, journey: { reason: 'entered' } });
		const soon = await enter(imported.id, hook, { contactId, n: 2 }, 2);
		expect(soon).toMatchObject({ entered: false, journey: { reason: 'too_soon', lastEnteredAt: first.journey.enteredAt } });
		expect(Date.parse(soon.journey.retryAt)).toBe(Date.parse(first.journey.enteredAt) + 7 * DAY);

		writeFileSync(clockFile, JSON.stringify({ [namespace]: 7 * DAY + 60_000 }));
		try {
			const later = await enter(imported.id, hook, { contactId, n: 3 }, 3);
			expect(later).toMatchObject({ entered: true, journey: { reason: 'entered', lastEnteredAt: first.journey.enteredAt } });
			expect(Date.parse(later.journey.enteredAt)).toBeGreaterThanOrEqual(Date.parse(first.journey.enteredAt) + 7 * DAY);
		} finally {
			writeFileSync(clockFile, '{}');
		}
	});

	it('(d) refused while in the journey, entered again after Exit Journey', async () => {
		const journeyName = `e2e-exit-${randomUUID().slice(0, 8)}`;
		const entry = await importWorkflow(entryWorkflow(journeyName, { reentry: 'anyTime', whileActive: 'refuse' }));
		const exit = await importWorkflow(exitWorkflow(journeyName));
		const hook = onlyWebhookPath(entry);
		const contactId = `exit-${randomUUID().slice(0, 8)}@example.com`;

		expect(await enter(entry.id, hook, { contactId, n: 1 }, 1)).toMatchObject({ entered: true });
		expect(await enter(entry.id, hook, { contactId, n: 2 }, 2)).toMatchObject({ entered: false, journey: { reason: 'already_in_journey' } });

		await postToWebhook(onlyWebhookPath(exit), { contactId });
		const [exited] = await waitForExecutions(exit.id, 1, 60_000);
		expect(outputItems(exited, 'Exit Journey')[0][0].journeyEvent).toEqual({ operation: 'exitJourney', journey: journeyName, key: null, exited: 1 });

		expect(await enter(entry.id, hook, { contactId, n: 3 }, 3)).toMatchObject({ entered: true, journey: { reason: 'entered' } });
		expect(await enter(entry.id, hook, { contactId, n: 4 }, 4)).toMatchObject({ entered: false, journey: { reason: 'already_in_journey' } });
	});
});
