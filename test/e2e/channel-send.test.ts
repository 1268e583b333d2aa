/**
 * Channel Send exactly once in a real n8n (Redis store, webhook channel to a receiver on
 * 127.0.0.1 that keeps what it accepted, keyed by webhook-id as a Standard Webhooks receiver does):
 * - the receiver records the message and answers 500; the execution fails; n8n's execution Retry
 *   (POST /api/v1/executions/{id}/retry) sends it with the same webhook-id: one message kept;
 * - a batch where one item fails with Retry On Fail (3 tries): the item already sent is never
 *   posted again, the failing one is resent under its own webhook-id until it is taken;
 * - ten concurrent executions for one message key: one request reaches the receiver.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type HttpFixture } from '../integration/channel-send/servers';
import { api, importWorkflow, onlyWebhookPath, outputItems, postToWebhook, printN8nLogOnFailure, waitForExecutions, type Workflow } from './helpers';

printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SENT = 0;
const namespace = `e2e-send-${randomBytes(4).toString('hex')}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
let receiver: HttpFixture;
let credentials: Record<string, { id: string; name: string }>;

beforeAll(async () => {
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	receiver = await startHttp();
	const suffix = randomUUID().slice(0, 8);
	const store = await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `Channel Send store ${suffix}`, namespace, hashSecret: randomBytes(24).toString('base64url') });
	if (!store) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	const signing = await api().createCredential({
		name: `Channel Send signing ${suffix}`,
		type: 'journeyEventSigningApi',
		data: { secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: '' },
	});
	credentials = { journeyStoreRedisApi: store, journeyEventSigningApi: { id: signing.id, name: signing.name } };
});

afterAll(async () => {
	await receiver?.close();
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

function sendWorkflow(suffix: string, sendSettings: Record<string, unknown> = {}): Workflow {
	return {
		name: `e2e channel send ${suffix}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Order Placed',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				webhookId: randomUUID(),
				position: [0, 0],
				parameters: { httpMethod: 'POST', path: `e2e-channel-send-${suffix}`, responseMode: 'onReceived', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Split Messages',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [200, 0],
				parameters: { fieldToSplitOut: 'body.messages', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Channel Send',
				type: 'n8n-nodes-journeys.channelSend',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					channel: 'webhook',
					messageType: 'transactional',
					contactId: '={{ $json.contactId }}',
					url: `${receiver.url}/hook`,
					body: '={{ JSON.stringify($json) }}',
					store: 'redis',
					messageKey: '={{ $json.key }}',
					options: { retries: 0, onProviderError: 'error' },
				},
				credentials,
				...sendSettings,
			},
		],
		connections: {
			'Order Placed': { main: [[{ node: 'Split Messages', type: 'main', index: 0 }]] },
			'Split Messages': { main: [[{ node: 'Channel Send', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all', saveManualExecutions: true },
	};
}

const requestsFor = (key: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === key);

describe('Channel Send in n8n: exactly once', () => {
	it("n8n's execution Retry after the provider recorded the message and answered 500: one message kept", async () => {
		const suffix = randomUUID().slice(0, 8);
		const imported = await importWorkflow(sendWorkflow(suffix));
		const key = `order-${suffix}`;
		receiver.script.push({ status: 500, body: { error: 'recorded, then crashed' } });
		await postToWebhook(onlyWebhookPath(imported), { messages: [{ contactId: `c-${suffix}`, key }] });
		const [failed] = await waitForExecutions(imported.id, 1);
		expect(failed.status).toBe('error');
		expect(requestsFor(key)).toHaveLength(1);

		const retry = await api().request('POST', `/executions/${failed.id}/retry`, { loadWorkflow: false });
		expect(retry.status).toBe(200);
		const executions = await waitForExecutions(imported.id, 2);
		const retried = executions.find((e) => e.id !== failed.id)!;
		expect(retried.status).toBe('success');
		const [sent] = outputItems(retried, 'Channel Send');
		expect(sent).toHaveLength(1);
		expect(sent[0].send).toMatchObject({ channel: 'webhook', key });
		// the resend carried the same webhook-id, so the receiver kept one message
		expect(requestsFor(key).map((r) => r.headers['webhook-id'])).toEqual([key, key]);
		expect([...receiver.delivered.keys()].filter((id) => id === key)).toHaveLength(1);
	});

	it('Retry On Fail (3 tries): the item already sent is not posted again; the failing one is kept once', async () => {
		const suffix = randomUUID().slice(0, 8);
		const imported = await importWorkflow(sendWorkflow(suffix, { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 }));
		const ok = `ok-${suffix}`;
		const flaky = `flaky-${suffix}`;
		// first try: `ok` is taken, `flaky` gets a 500; second try: 500 again; third try: taken
		receiver.script.push({ status: 200 }, { status: 500 }, { status: 500 });
		await postToWebhook(onlyWebhookPath(imported), {
			messages: [
				{ contactId: `a-${suffix}`, key: ok },
				{ contactId: `b-${suffix}`, key: flaky },
			],
		});
		const [execution] = await waitForExecutions(imported.id, 1);
		expect(execution.status).toBe('success');
		const sent = outputItems(execution, 'Channel Send')[SENT];
		expect(sent.map((j) => j.send.key).sort()).toEqual([flaky, ok].sort());
		expect(sent.find((j) => j.send.key === ok)?.send.duplicate).toBe(true);
		expect(requestsFor(ok)).toHaveLength(1);
		expect(requestsFor(flaky)).toHaveLength(3);
		expect([...receiver.delivered.keys()].filter((id) => id === flaky)).toHaveLength(1);
	});

	it('ten concurrent executions for the same message key: the receiver gets one request', async () => {
		const suffix = randomUUID().slice(0, 8);
		const imported = await importWorkflow(sendWorkflow(suffix));
		const key = `race-${suffix}`;
		receiver.script.length = 0;
		const hook = onlyWebhookPath(imported);
		await Promise.all(Array.from({ length: 10 }, (_, n) => postToWebhook(hook, { messages: [{ contactId: `r-${suffix}`, key, n }] })));
		const executions = await waitForExecutions(imported.id, 10);
		expect(requestsFor(key)).toHaveLength(1);
		const fresh = executions.flatMap((e) => outputItems(e, 'Channel Send')[SENT] ?? []).filter((j) => !j.send.duplicate);
		expect(fresh).toHaveLength(1);
	});
});
