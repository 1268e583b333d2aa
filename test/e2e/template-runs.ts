/**
 * What the e2e tests that run the journey templates (workflows-templates/*.json) in the real n8n
 * share: message sinks (a real SMTP server, and one local HTTP server playing FCM with its OAuth
 * token endpoint and SOLAPI) collecting every message with its arrival, the channel credentials
 * pointing at them, a template imported with a run's credentials and Journey settings values,
 * consent and earlier sends seeded into the store, signed events, and waiting for journeys to end.
 * Used by test/e2e/templates.test.ts and test/e2e/cart-experiment.test.ts. Not a test file itself.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { applyStoreCredential, sleep, type Execution } from '../../scripts/n8n/index.mjs';
import { startSmtp, type SmtpFixture } from '../integration/channel-send/servers';
import { SIGNING_SECRET, postDelivery, signedDelivery, workflow, webhookNode, journeyEventNode, type CredentialRef, type Json } from '../unit/events/workflows';
import { api, importWorkflow, isolated, n8nContext, postToWebhook, waitForExecutions, type Workflow } from './helpers';

const TEMPLATES = path.resolve(__dirname, '../../workflows-templates');
/** This test process's run: part of every name and path, so runs and files never meet. */
export const RUN = randomBytes(3).toString('hex');
/** How long a journey with two waits may take: two of n8n's 60 s wait polls and a loaded machine. */
export const JOURNEY_TIMEOUT = 240_000;

// ---------------------------------------------------------------- message sinks

export type Channel = 'email' | 'push' | 'sms';
export interface Message {
	at: number;
	channel: Channel;
	/** email address, FCM token or phone digits */
	to: string;
	/** email subject, push title or SMS text */
	subject: string;
	body: string;
	data?: Record<string, string>;
}
/** Every message the sinks received, in arrival order. */
export const messages: Message[] = [];

/** FCM (OAuth token endpoint + messages:send) and SOLAPI (send-many/detail) on one local server. */
export async function startProviders(): Promise<{ url: string; close(): Promise<void> }> {
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const reply = (body: unknown) => {
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end(JSON.stringify(body));
			};
			if (req.url === '/token') return reply({ access_token: 'ya29.templates-e2e', expires_in: 3600 });
			if (req.url?.endsWith('/messages:send')) {
				const m = JSON.parse(raw).message;
				messages.push({ at: Date.now(), channel: 'push', to: m.token, subject: m.notification.title, body: m.notification.body, data: m.data });
				return reply({ name: `projects/acme-app/messages/${messages.length}` });
			}
			if (req.url === '/messages/v4/send-many/detail') {
				for (const m of JSON.parse(raw).messages) messages.push({ at: Date.now(), channel: 'sms', to: String(m.to), subject: String(m.text), body: String(m.text) });
				return reply({ groupInfo: { count: { total: 1 } }, failedMessageList: [], messageList: [{ messageId: `M-${messages.length}`, statusCode: '2000' }] });
			}
			res.writeHead(404).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Moves each mail the SMTP server accepts into `messages`, stamped with its arrival. */
export function collectMail(smtp: SmtpFixture): void {
	const push = smtp.mails.push.bind(smtp.mails);
	smtp.mails.push = (...mails) => {
		for (const mail of mails) {
			const body = mail.raw.split(/\r?\n\r?\n/).slice(1).join('\n\n');
			messages.push({ at: Date.now(), channel: 'email', to: mail.to[0], subject: mail.headers.subject ?? '', body });
		}
		return push(...mails);
	};
}

/** One contact's messages, in arrival order. */
export const inbox = (...addresses: string[]) => messages.filter((m) => addresses.includes(m.to)).sort((a, b) => a.at - b.at);
/** One contact's messages, in arrival order, as `channel:subject`. */
export const lines = (...addresses: string[]) => inbox(...addresses).map((m) => `${m.channel}:${m.subject}`);

export async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = JOURNEY_TIMEOUT): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await sleep(500);
	}
}

/** The SMTP server and the FCM/SOLAPI server, collecting into `messages`, and the credentials that send to them. */
export async function startSinks(label: string): Promise<{ credentials: Record<string, CredentialRef>; close(): Promise<void> }> {
	const smtp = await startSmtp();
	collectMail(smtp);
	const providers = await startProviders();
	const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const serviceAccount = JSON.stringify({
		type: 'service_account',
		project_id: 'acme-app',
		client_email: 'push@acme-app.iam.gserviceaccount.com',
		private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
		token_uri: `${providers.url}/token`,
	});
	const credentials = {
		signing: await createCredential(label, 'journeyEventSigningApi', { secret: SIGNING_SECRET, previousSecret: '' }),
		channelSendSmtpApi: await createCredential(label, 'channelSendSmtpApi', { host: '127.0.0.1', port: smtp.port, security: 'none', user: '', password: '', from: 'ACME <hello@acme.example>', allowSelfSigned: false }),
		channelSendFcmApi: await createCredential(label, 'channelSendFcmApi', { serviceAccount, baseUrl: providers.url, grantUrl: '' }),
		channelSendSolapiApi: await createCredential(label, 'channelSendSolapiApi', { apiKey: 'NCSKEY-E2E', apiSecret: 'solapi-e2e-secret', from: '02-1234-5678', baseUrl: providers.url }),
	};
	return {
		credentials,
		async close() {
			await smtp.close();
			await providers.close();
		},
	};
}

export async function createCredential(label: string, type: string, data: Json): Promise<CredentialRef> {
	const c = await api().createCredential({ name: `${label} ${type} ${RUN}`, type, data });
	return { id: c.id, name: c.name };
}

// ---------------------------------------------------------------- templates and their runs

/** Where a template runs: its store (none: in memory) and credentials; `tag` names the run. */
export interface TemplateRun {
	tag: string;
	store?: CredentialRef;
	credentials: Record<string, CredentialRef>;
}

const CHANNEL_CREDENTIAL: Record<string, string> = { email: 'channelSendSmtpApi', fcmPush: 'channelSendFcmApi', solapiSms: 'channelSendSolapiApi' };

/** The template file with this run's credentials, settings values and its own trigger path. */
export function templateFor(file: string, run: TemplateRun, settings: Record<string, unknown>): Workflow {
	const wf = isolated(JSON.parse(readFileSync(path.join(TEMPLATES, file), 'utf8')), `${run.tag}-${RUN}`);
	const set = wf.nodes.find((n: Json) => n.name === 'Journey settings');
	for (const [name, value] of Object.entries(settings)) {
		const field = set.parameters.assignments.assignments.find((a: Json) => a.name === name);
		if (!field) throw new Error(`${file}: Journey settings has no field ${name}`);
		field.value = value;
	}
	for (const node of wf.nodes as Json[]) {
		if (node.type === 'n8n-nodes-journeys.journeyEventTrigger') node.credentials = { journeyEventSigningApi: run.credentials.signing };
		if (node.type === 'n8n-nodes-journeys.channelSend') {
			const type = CHANNEL_CREDENTIAL[node.parameters.channel];
			node.credentials = { [type]: run.credentials[type] };
		}
		if (node.type === 'n8n-nodes-base.postgres') node.credentials = { postgres: run.credentials.postgres };
	}
	if (run.store) applyStoreCredential(wf, run.store);
	return wf;
}

/** Consent (email, push, sms and night-time advertising) for some contacts, and earlier sends that fill others' caps. */
export async function seed(run: TemplateRun, consented: string[], capped: string[], capMax: number): Promise<void> {
	const storeNode = (node: Json) => (run.store ? { ...node, parameters: { ...node.parameters, store: 'redis' }, credentials: { journeyStoreRedisApi: run.store } } : node);
	const wf = workflow(
		`templates e2e seed ${run.tag} ${RUN}`,
		[
			webhookNode('Seed', `templates-seed-${run.tag}-${RUN}`),
			{ id: randomUUID(), name: 'Contacts', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [200, 0], parameters: { fieldToSplitOut: 'body.consented', options: {} } },
			{ id: randomUUID(), name: 'Sends', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [200, 200], parameters: { fieldToSplitOut: 'body.sends', options: {} } },
			journeyEventNode('Consent', {
				operation: 'consent',
				contactId: '={{ $json.contactId }}',
				consentChanges: { changes: ['email', 'push', 'sms', 'night'].map((topic) => ({ topic, granted: true })) },
			}, run.store),
			storeNode({
				id: randomUUID(),
				name: 'Earlier sends',
				type: 'n8n-nodes-journeys.frequencyCap',
				typeVersion: 1,
				position: [440, 200],
				parameters: { operation: 'record', contactId: '={{ $json.contactId }}', channel: 'email', campaign: 'earlier', tags: '', messageKey: '={{ $json.key }}', store: 'memory' },
			}),
		],
		[
			['Seed', 0, 'Contacts'],
			['Seed', 0, 'Sends'],
			['Contacts', 0, 'Consent'],
			['Sends', 0, 'Earlier sends'],
		],
	);
	const imported = await importWorkflow(wf);
	const sends = capped.flatMap((contactId) => Array.from({ length: capMax }, (_, n) => ({ contactId, key: `earlier-${contactId}-${n}` })));
	await postToWebhook(imported.webhookPaths[0], { consented: consented.map((contactId) => ({ contactId })), sends });
	const [done] = await waitForExecutions(imported.id, 1);
	if (done.status !== 'success') throw new Error(`seeding failed: ${JSON.stringify(done.data?.resultData.error ?? done.status)}`);
}

/** Posts one signed event (a new one unless `event` names its id) to a Journey Event Trigger's path; returns the trigger's answer. */
export async function postEvent(triggerPath: string, contactId: string, name: string, properties: Json = {}, event: { id?: string; occurredAt?: string } = {}): Promise<Json> {
	const payload = { id: event.id ?? `evt_${randomUUID()}`, contactId, name, properties, occurredAt: event.occurredAt ?? new Date().toISOString() };
	for (let attempt = 1; ; attempt++) {
		const res = await postDelivery(n8nContext().url, triggerPath, signedDelivery(payload));
		if (res.status === 200) return res.json;
		if (res.status === 503 && attempt < 5) {
			await sleep(500 * attempt);
			continue;
		}
		throw new Error(`${triggerPath}: delivering ${name} for ${contactId} answered ${res.status}: ${res.text}`);
	}
}

/** Waits until the workflow has at least `count` executions and none is still waiting or running; returns them with data. */
export async function journeysEnded(workflowId: string, count: number): Promise<Execution[]> {
	const deadline = Date.now() + JOURNEY_TIMEOUT;
	for (;;) {
		const all: Execution[] = await api().listExecutions({ workflowId, includeData: true });
		const open = all.filter((e) => ['new', 'running', 'waiting'].includes(e.status));
		if (all.length >= count && open.length === 0) return all;
		if (Date.now() > deadline) throw new Error(`workflow ${workflowId}: ${all.length}/${count} executions, still open: ${open.map((e) => `${e.id}:${e.status}`).join(', ')}`);
		await sleep(1000);
	}
}

/** Waits until the contact's journey has entered and parks in a wait (so an event from now on counts for it). */
export async function parked(workflowId: string, contactId: string): Promise<void> {
	const deadline = Date.now() + JOURNEY_TIMEOUT;
	for (;;) {
		const waiting: Execution[] = await api().listExecutions({ workflowId, status: 'waiting', includeData: true });
		if (waiting.some((e) => e.data?.resultData.runData['Journey Entry']?.[0]?.data?.main?.[0]?.[0]?.json.contactId === contactId)) return;
		if (Date.now() > deadline) throw new Error(`the journey of ${contactId} never waited`);
		await sleep(500);
	}
}

/** contact (and entry key) → the Exit Journey node its journey ended in, from the executions that entered (or why one did not). */
export function exits(executions: Execution[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const e of executions) {
		const runData = e.data?.resultData.runData ?? {};
		const entered = runData['Journey Entry']?.[0]?.data?.main?.[0]?.[0]?.json;
		const started = runData['Journey Event Trigger']?.[0]?.data?.main?.[0]?.[0]?.json;
		if (!entered) {
			// an event that starts no journey (a purchase, a visit) or a repeated daily run: not listed, unless it failed
			if (e.status !== 'success') out[`execution ${e.id} (${started?.name} of ${started?.contactId})`] = `${e.status}: ${e.data?.resultData.error?.message}`;
			continue;
		}
		const key = entered.journey?.key ? `${entered.contactId}/${entered.journey.key}` : String(entered.contactId);
		out[key] = String(e.data?.resultData.lastNodeExecuted);
		if (e.status !== 'success') out[key] += ` (${e.status}: ${e.data?.resultData.error?.message})`;
	}
	return out;
}

export const etcZone = (ahead: number) => (ahead === 0 ? 'Etc/GMT' : ahead > 0 ? `Etc/GMT-${ahead}` : `Etc/GMT+${-ahead}`);

/** Hours ahead of UTC of a zone where it is about midday now (Etc/GMT+12 … Etc/GMT-14). */
export function middayAhead(): number {
	const hour = new Date().getUTCHours();
	for (const local of [12, 13, 11, 14, 10]) {
		for (const k of [0, 24, -24]) {
			const ahead = local - hour + k;
			if (ahead >= -12 && ahead <= 14) return ahead;
		}
	}
	throw new Error(`no midday zone at ${hour}:00 UTC`);
}
