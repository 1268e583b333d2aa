/**
 * Journey KPIs in a real n8n (Redis store): a small journey — Webhook → Journey Entry (with a
 * conversion goal) → Frequency Cap → Channel Send (webhook channel to a receiver on 127.0.0.1) —
 * counts each step's outcomes per variant, and a purchase recorded twice by a Journey Event node
 * converts the entry once, attributed to the Channel Send step (or to no step for a contact
 * never sent anything). The counters are read from Redis as the Journey Report reads them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRedisStoreConfig } from '../../lib/store/redis/connection';
import { RedisStore } from '../../lib/store/redis/RedisStore';
import { startHttp, type HttpFixture } from '../integration/channel-send/servers';
import { api, importWorkflow, onlyWebhookPath, postToWebhook, printN8nLogOnFailure, waitForExecutions, type Workflow } from './helpers';

printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const namespace = `e2e-kpi-${randomBytes(4).toString('hex')}`;
const hashSecret = randomBytes(24).toString('base64url');
const redisUrl = new URL(REDIS_URL);
let store: RedisStore;
let receiver: HttpFixture;
let credentials: Record<string, { id: string; name: string }>;

beforeAll(async () => {
	store = RedisStore.standalone(
		parseRedisStoreConfig({ host: redisUrl.hostname || '127.0.0.1', port: Number(redisUrl.port || 6379), password: redisUrl.password || '', database: 0, namespace, hashSecret, commandTimeoutMs: 5000 }),
	);
	await store.now().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	receiver = await startHttp();
	const suffix = randomUUID().slice(0, 8);
	const redis = await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `KPI store ${suffix}`, namespace, hashSecret });
	if (!redis) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	const signing = await api().createCredential({
		name: `KPI signing ${suffix}`,
		type: 'journeyEventSigningApi',
		data: { secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: '' },
	});
	credentials = { journeyStoreRedisApi: redis, journeyEventSigningApi: { id: signing.id, name: signing.name } };
});

afterAll(async () => {
	await receiver?.close();
	if (!store) return;
	try {
		let cursor = '0';
		do {
			const [next, keys] = await store.ctx.client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
			if (keys.length) await store.ctx.client.del(...keys);
			cursor = next;
		} while (cursor !== '0');
	} finally {
		await store.close();
	}
});

const settings = { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all', saveManualExecutions: true };
const node = (name: string, type: string, x: number, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
	id: randomUUID(),
	name,
	type,
	typeVersion: 1,
	position: [x, 0],
	parameters,
	...extra,
});
const webhook = (path: string) =>
	node('Contacts In', 'n8n-nodes-base.webhook', 0, { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} }, { typeVersion: 2, webhookId: randomUUID() });

function journeyWorkflow(journey: string, suffix: string): Workflow {
	return {
		name: `e2e journey kpis ${suffix}`,
		nodes: [
			webhook(`e2e-kpi-journey-${suffix}`),
			node('Split Contacts', 'n8n-nodes-base.splitOut', 200, { fieldToSplitOut: 'body.contacts', options: {} }),
			node(
				'Journey Entry',
				'n8n-nodes-journeys.journeyEntry',
				400,
				{
					journeyName: journey,
					contactId: '={{ $json.contactId }}',
					reentry: 'anyTime',
					whileActive: 'refuse',
					maxDurationDays: 30,
					entryId: '={{ $json.entryId }}',
					trackConversion: true,
					goalEvent: 'purchase',
					goalWindowDays: 7,
					store: 'redis',
					options: {},
				},
				{ credentials },
			),
			node(
				'Frequency Cap',
				'n8n-nodes-journeys.frequencyCap',
				600,
				{
					operation: 'checkAndReserve',
					contactId: '={{ $json.contactId }}',
					channel: 'webhook',
					caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: '={{ $json.limit }}', window: 'rolling', amount: 1, unit: 'days' }] },
					store: 'redis',
					options: {},
				},
				{ credentials },
			),
			node(
				'Channel Send',
				'n8n-nodes-journeys.channelSend',
				800,
				{
					channel: 'webhook',
					messageType: 'transactional',
					contactId: '={{ $json.contactId }}',
					url: `${receiver.url}/hook`,
					body: '={{ JSON.stringify({ contactId: $json.contactId }) }}',
					store: 'redis',
					options: { retries: 0 },
				},
				{ credentials },
			),
		],
		connections: {
			'Contacts In': { main: [[{ node: 'Split Contacts', type: 'main', index: 0 }]] },
			'Split Contacts': { main: [[{ node: 'Journey Entry', type: 'main', index: 0 }]] },
			'Journey Entry': { main: [[{ node: 'Frequency Cap', type: 'main', index: 0 }], []] },
			'Frequency Cap': { main: [[{ node: 'Channel Send', type: 'main', index: 0 }], []] },
		},
		settings,
	};
}

function purchaseWorkflow(suffix: string): Workflow {
	return {
		name: `e2e journey kpis purchases ${suffix}`,
		nodes: [
			webhook(`e2e-kpi-purchase-${suffix}`),
			node(
				'Record Purchase',
				'n8n-nodes-journeys.journeyEvent',
				300,
				{ operation: 'record', contactId: '={{ $json.body.contactId }}', eventId: '={{ $json.body.orderId }}', eventName: 'purchase', properties: '={{ {} }}', store: 'redis', options: {} },
				{ credentials },
			),
		],
		connections: { 'Contacts In': { main: [[{ node: 'Record Purchase', type: 'main', index: 0 }]] } },
		settings,
	};
}

describe('Journey KPIs in n8n', () => {
	it('entry → cap → send counts each step per variant; a purchase recorded twice converts once, attributed to the last send', async () => {
		const suffix = randomUUID().slice(0, 8);
		const journey = `e2e-kpi-${suffix}`;
		const day = store.kpis.today();
		const contact = (name: string) => `${name}-${suffix}`;
		const journeyFlow = await importWorkflow(journeyWorkflow(journey, suffix));
		const purchases = await importWorkflow(purchaseWorkflow(suffix));
		const item = (name: string, variant: string, entryId: string, limit = 5) => ({ contactId: contact(name), entryId, limit, experiment: { name: 'coupon', variant } });
		// c3 twice: its second entry is refused while the first is in the journey; c2's cap is 0
		await postToWebhook(onlyWebhookPath(journeyFlow), {
			contacts: [item('c1', 'A', `c1-${suffix}`), item('c2', 'B', `c2-${suffix}`, 0), item('c3', 'A', `c3a-${suffix}`), item('c3', 'A', `c3b-${suffix}`)],
		});
		const [run] = await waitForExecutions(journeyFlow.id, 1);
		expect(run.status).toBe('success');
		expect(receiver.requests.filter((r) => String(r.body).includes(suffix))).toHaveLength(2);

		for (const orderId of ['order-1', 'order-1']) await postToWebhook(onlyWebhookPath(purchases), { contactId: contact('c1'), orderId: `${orderId}-${suffix}` });
		await postToWebhook(onlyWebhookPath(purchases), { contactId: contact('c2'), orderId: `order-2-${suffix}` });
		const recorded = await waitForExecutions(purchases.id, 3);
		expect(recorded.map((e) => e.status)).toEqual(['success', 'success', 'success']);

		// the nodes do not wait for their counts to be written: read until they are there (or 10 s)
		const read = async () => {
			const rows = await store.kpis.read({ journeys: [journey], fromDay: day, toDay: day });
			return Object.fromEntries(rows.map((r) => [`${r.step}|${r.variant}|${r.outcome}`, r.count]));
		};
		let counts = await read();
		for (let tries = 0; tries < 50 && Object.keys(counts).length < 8; tries++) {
			await new Promise((resolve) => setTimeout(resolve, 200));
			counts = await read();
		}
		expect(counts).toEqual({
			'Journey Entry|A|entered': 2,
			'Journey Entry|A|not_entered': 1,
			'Journey Entry|B|entered': 1,
			'Frequency Cap|A|allowed': 2,
			'Frequency Cap|B|capped:limit_reached': 1,
			'Channel Send|A|sent': 2,
			'Channel Send|A|converted': 1,
			'|B|converted': 1,
		});
	});
});
