/**
 * The one-click unsubscribe round trip in a real n8n (Redis store, a real SMTP server on
 * 127.0.0.1): Channel Send mails a marketing message whose List-Unsubscribe link points at the
 * Journey Event Trigger of another workflow; a GET of the link shows the page and changes
 * nothing; the mail client's one-click POST (no signature headers) unsubscribes; the next
 * marketing send for the contact leaves on Not sent with the unsubscribe reason.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/store/redis/RedisStore';
import { httpRequest } from '../../scripts/n8n/index.mjs';
import { startSmtp, type SmtpFixture } from '../integration/channel-send/servers';
import { adminClient, deleteNamespace, REDIS_URL, requireRedis, storeConfig } from '../integration/helpers/redis';
import { api, importWorkflow, n8nContext, onlyWebhookPath, outputItems, postToWebhook, printN8nLogOnFailure, waitForExecutions, type Workflow } from './helpers';

printN8nLogOnFailure();

const SENT = 0;
const NOT_SENT = 1;
const namespace = `e2e-unsub-${randomBytes(4).toString('hex')}`;
const hashSecret = randomBytes(24).toString('base64url');
const suffix = randomUUID().slice(0, 8);
const triggerPath = `journey-events-${suffix}`;
let smtp: SmtpFixture;
let store: RedisStore;
let credentials: Record<string, { id: string; name: string }>;
let triggerWorkflowId: string;
let sendWorkflowId: string;
let sendPath: string;

beforeAll(async () => {
	await requireRedis();
	smtp = await startSmtp();
	store = RedisStore.standalone(storeConfig(namespace, { hashSecret, commandTimeoutMs: 5000 }));
	const storeCredential = await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `Unsubscribe store ${suffix}`, namespace, hashSecret });
	if (!storeCredential) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	const signing = await api().createCredential({
		name: `Unsubscribe signing ${suffix}`,
		type: 'journeyEventSigningApi',
		data: { secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: '' },
	});
	const mail = await api().createCredential({
		name: `Unsubscribe SMTP ${suffix}`,
		type: 'channelSendSmtpApi',
		data: { host: '127.0.0.1', port: smtp.port, security: 'none', user: '', password: '', from: 'Acme Shop <news@acme.example>', allowSelfSigned: false },
	});
	credentials = {
		journeyStoreRedisApi: storeCredential,
		journeyEventSigningApi: { id: signing.id, name: signing.name },
		channelSendSmtpApi: { id: mail.id, name: mail.name },
	};
	triggerWorkflowId = (await importWorkflow(triggerWorkflow())).id;
	const send = await importWorkflow(sendWorkflow());
	sendWorkflowId = send.id;
	sendPath = onlyWebhookPath(send);
});

afterAll(async () => {
	await smtp?.close();
	await store?.close();
	const redis = adminClient();
	try {
		await deleteNamespace(redis, namespace);
	} finally {
		redis.disconnect();
	}
});

/** The Journey Event Trigger whose <path>/unsubscribe the links point at. */
function triggerWorkflow(): Workflow {
	return {
		name: `e2e unsubscribe endpoint ${suffix}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Journey Event Trigger',
				type: 'n8n-nodes-journeys.journeyEventTrigger',
				typeVersion: 1,
				webhookId: randomUUID(),
				position: [0, 0],
				parameters: { path: triggerPath, record: true, store: 'redis', options: {} },
				credentials: { journeyEventSigningApi: credentials.journeyEventSigningApi, journeyStoreRedisApi: credentials.journeyStoreRedisApi },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

/** Webhook → Channel Send (marketing email with the trigger's unsubscribe endpoint). */
function sendWorkflow(): Workflow {
	return {
		name: `e2e unsubscribe send ${suffix}`,
		nodes: [
			{
				id: randomUUID(),
				name: 'Newsletter Due',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				webhookId: randomUUID(),
				position: [0, 0],
				parameters: { httpMethod: 'POST', path: `e2e-unsub-send-${suffix}`, responseMode: 'onReceived', options: {} },
			},
			{
				id: randomUUID(),
				name: 'Channel Send',
				type: 'n8n-nodes-journeys.channelSend',
				typeVersion: 1,
				position: [240, 0],
				parameters: {
					channel: 'email',
					messageType: 'marketing',
					contactId: '={{ $json.body.contactId }}',
					to: '={{ $json.body.email }}',
					subject: 'Winter sale',
					text: '30% off this week.',
					html: '<p>30% off this week.</p>',
					store: 'redis',
					messageKey: '={{ $json.body.key }}',
					options: { retries: 0, koreanRules: 'never', unsubscribeEndpoint: `${n8nContext().url}/webhook/${triggerPath}/unsubscribe` },
				},
				credentials,
			},
		],
		connections: { 'Newsletter Due': { main: [[{ node: 'Channel Send', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

async function send(contactId: string, email: string, key: string, count: number): Promise<Array<Array<Record<string, any>>>> {
	await postToWebhook(sendPath, { contactId, email, key });
	const executions = await waitForExecutions(sendWorkflowId, count);
	const last = executions[executions.length - 1];
	expect(last.status).toBe('success');
	return outputItems(last, 'Channel Send');
}

const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
const subscriptionsOf = async (contactId: string) => (await store.contacts.get([contactId]))[0]?.subscriptions;

describe('one-click unsubscribe in n8n', () => {
	it('the List-Unsubscribe link of a marketing email: GET shows the page, one-click POST unsubscribes, the next send is Not sent', async () => {
		const contactId = `c-${suffix}`;
		const email = `ann-${suffix}@example.com`;
		await store.contacts.update([{ contactId, at: Date.now() - 60_000, consent: { email: true } }], { ttlSeconds: 3600 });

		const first = await send(contactId, email, `winter-1-${suffix}`, 1);
		expect(first[SENT]).toHaveLength(1);
		const [mail] = mailsTo(email);
		expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
		const link = /^<(.+)>$/.exec(mail.headers['list-unsubscribe'] ?? '')?.[1];
		expect(link, `List-Unsubscribe: ${mail.headers['list-unsubscribe']}`).toBeDefined();
		expect(link!.startsWith(`${n8nContext().url}/webhook/${triggerPath}/unsubscribe?token=`)).toBe(true);
		// opaque: neither the contact id nor the address can be read from it
		expect(decodeURIComponent(link!)).not.toContain(contactId);
		expect(decodeURIComponent(link!)).not.toContain(email);

		// a mail scanner's (or the reader's) GET: the page with its button, nothing recorded
		const page = await httpRequest('GET', link!, { headers: { accept: 'text/html' } });
		expect(page.status).toBe(200);
		expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
		expect(page.text).toContain('<form method="post">');
		expect(page.text).toContain('수신거부');
		expect(page.text).toContain('Unsubscribe');
		expect(await subscriptionsOf(contactId)).toEqual({});

		// an altered link is refused and records nothing
		const token = new URL(link!).searchParams.get('token')!;
		const altered = Buffer.from(token, 'base64url');
		altered[14] ^= 1;
		const forged = new URL(link!);
		forged.searchParams.set('token', altered.toString('base64url'));
		const refused = await httpRequest('POST', forged.toString(), { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		expect(refused.status).toBe(404);
		expect(await subscriptionsOf(contactId)).toEqual({});

		// the mail client's one-click POST (RFC 8058): no signature headers, the token is the proof
		const oneClick = await httpRequest('POST', link!, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
		expect(oneClick.status).toBe(200);
		expect(await subscriptionsOf(contactId)).toMatchObject({ email: { subscribed: false, source: 'unsubscribe link' } });

		const second = await send(contactId, email, `winter-2-${suffix}`, 2);
		expect(second[SENT] ?? []).toHaveLength(0);
		expect(second[NOT_SENT]).toHaveLength(1);
		expect(second[NOT_SENT][0].send).toMatchObject({ reason: 'unsubscribed' });
		expect(mailsTo(email)).toHaveLength(1);

		// the endpoint records; it never started the trigger's workflow
		expect(await api().listExecutions({ workflowId: triggerWorkflowId })).toEqual([]);
	});
});
