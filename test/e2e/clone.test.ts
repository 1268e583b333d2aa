/**
 * `npx n8n-nodes-journeys clone` against a real n8n 2.41: the bin of the package as n8n
 * installed it (dist/cli/main.js, no dev dependencies) clones every template for two clients;
 * a second run changes nothing; then the cart journey of both clients runs for the same contact
 * and cart, and each client's entries, events and caps stay in its own key namespace.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedDelivery, postDelivery } from '../unit/events/workflows';
import { api, importWorkflow, n8nContext, outputItems, postToWebhook, printN8nLogOnFailure, type Workflow } from './helpers';
import type { Execution } from '../../scripts/n8n/index.mjs';

printN8nLogOnFailure();

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
const suffix = randomBytes(3).toString('hex');
const clients = [`ca-${suffix}`, `cb-${suffix}`];
const SIGNING_SECRET = 'whsec_' + Buffer.from(`clone-e2e-signing-secret-${suffix}-0123456789`).toString('base64');
const signingName = `Clone e2e signing ${suffix}`;
const solapiName = `Clone e2e SOLAPI ${suffix}`;
// the journeys' other channels: set so the copies can be activated, never reached in this test
const fcmName = `Clone e2e FCM ${suffix}`;
const smtpName = `Clone e2e SMTP ${suffix}`;
const templateFiles = readdirSync(path.resolve(__dirname, '../../workflows-templates')).filter((f) => f.endsWith('.json'));

/** A SOLAPI stand-in on 127.0.0.1 that accepts every message and keeps what it got. */
let solapi: { url: string; messages: Array<Record<string, any>>; server: Server };

interface BinRun {
	code: number;
	stdout: string;
	stderr: string;
}

/** The package's own bin, as n8n installed it, run by plain Node. */
function clone(...args: string[]): Promise<BinRun> {
	const ctx = n8nContext();
	const bin = path.join(ctx.packageDir, 'dist', 'cli', 'main.js');
	return new Promise((resolve) => {
		execFile(
			process.execPath,
			[bin, 'clone', '--n8n-url', ctx.url, ...args],
			{ env: { PATH: process.env.PATH, N8N_API_KEY: ctx.apiKey }, timeout: 120_000 },
			(error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
		);
	});
}

const credentialFlags = () =>
	[
		`journeyEventSigningApi=${signingName}`,
		`channelSendSolapiApi=${solapiName}`,
		`channelSendFcmApi=${fcmName}`,
		`channelSendSmtpApi=${smtpName}`,
	].flatMap((c) => ['--credential', c]);

async function taggedWorkflows(client: string): Promise<Workflow[]> {
	return (await api().listAll('/workflows', { tags: `client:${client}` })).filter((w) => !w.isArchived);
}

/** Everything a run could change: credentials, tags, and the client's workflows as stored. */
async function snapshot(): Promise<unknown> {
	const credentials = (await api().listAll('/credentials')).map((c) => [c.id, c.name, c.type, c.updatedAt]);
	const tags = (await api().listAll('/tags')).map((t) => [t.id, t.name, t.updatedAt]);
	const workflows = [];
	for (const client of clients) {
		for (const w of await taggedWorkflows(client)) workflows.push([w.id, w.name, w.active, w.updatedAt, w.versionId, (w.tags ?? []).map((t: any) => t.name)]);
	}
	return { credentials, tags, workflows };
}

async function scanKeys(pattern: string): Promise<string[]> {
	const found: string[] = [];
	let cursor = '0';
	do {
		const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
		found.push(...batch);
		cursor = next;
	} while (cursor !== '0');
	return found.sort();
}

beforeAll(async () => {
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	const messages: Array<Record<string, any>> = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
			for (const message of body.messages ?? []) messages.push(message);
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ groupInfo: { count: { total: 1 } }, failedMessageList: [], messageList: [{ messageId: `M-${messages.length}`, statusCode: '2000' }] }));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	solapi = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, messages, server };

	await api().createCredential({ name: signingName, type: 'journeyEventSigningApi', data: { secret: SIGNING_SECRET, previousSecret: '' } });
	await api().createCredential({
		name: solapiName,
		type: 'channelSendSolapiApi',
		data: { apiKey: 'NCSCLONE', apiSecret: 'clone-e2e-solapi-secret', from: '02-1234-5678', baseUrl: solapi.url },
	});
	await api().createCredential({
		name: fcmName,
		type: 'channelSendFcmApi',
		data: { serviceAccount: JSON.stringify({ project_id: 'clone-e2e', client_email: 'clone@clone-e2e.iam.gserviceaccount.com', private_key: 'unused', token_uri: `${solapi.url}/token` }), baseUrl: solapi.url, grantUrl: `${solapi.url}/token` },
	});
	await api().createCredential({
		name: smtpName,
		type: 'channelSendSmtpApi',
		data: { host: '127.0.0.1', port: 2525, security: 'none', user: '', password: '', from: 'Clone <clone@example.com>', allowSelfSigned: false },
	});
});

afterAll(async () => {
	await new Promise((resolve) => solapi?.server.close(resolve));
	try {
		for (const client of clients) {
			const keys = await scanKeys(`${client}:*`);
			if (keys.length) await redis.del(...keys);
		}
	} finally {
		redis.disconnect();
	}
});

describe('clone per client in n8n', () => {
	it('copies every template for two clients; a second run changes nothing', async () => {
		expect(templateFiles.length).toBeGreaterThan(0);
		const first: BinRun[] = [];
		for (const client of clients) first.push(await clone('--client', client, ...credentialFlags()));
		for (const [i, run] of first.entries()) {
			expect(run.stderr).toBe('');
			expect(run.code).toBe(0);
			expect(run.stdout).toContain(`Client ${clients[i]}: tag client:${clients[i]}, key namespace "${clients[i]}"`);
			expect(run.stdout).toMatch(new RegExp(`Journey store · ${clients[i]} +credential created`));
			expect(run.stdout.match(/ created, inactive /g)).toHaveLength(templateFiles.length);
		}

		const credentials = await api().listAll('/credentials');
		const stores = clients.map((client) => credentials.filter((c) => c.name === `Journey store · ${client}` && c.type === 'journeyStoreRedisApi'));
		expect(stores.map((s) => s.length)).toEqual([1, 1]);
		const signing = credentials.find((c) => c.name === signingName)!;
		for (const [i, client] of clients.entries()) {
			const copies = await taggedWorkflows(client);
			expect(copies).toHaveLength(templateFiles.length);
			for (const copy of copies) {
				expect(copy.name.startsWith(`${client} · `)).toBe(true);
				expect(copy.active).toBe(false);
				for (const node of copy.nodes) {
					if (!String(node.type).startsWith('n8n-nodes-journeys.')) continue;
					// every node that keeps state uses the client's own store
					expect(node.parameters.store, `${copy.name} / ${node.name}`).toBe('redis');
					expect(node.credentials?.journeyStoreRedisApi?.id, `${copy.name} / ${node.name}`).toBe(stores[i][0].id);
					if (node.type === 'n8n-nodes-journeys.journeyEventTrigger') {
						expect(node.credentials.journeyEventSigningApi.id).toBe(signing.id);
						expect(node.parameters.path.startsWith(`${client}/`)).toBe(true);
					}
				}
			}
		}

		const before = await snapshot();
		for (const client of clients) {
			const again = await clone('--client', client, ...credentialFlags());
			expect(again.code).toBe(0);
			expect(again.stdout).toMatch(/credential already there, reused/);
			expect(again.stdout).not.toMatch(/ created/);
			expect(again.stdout.match(/already there, unchanged, inactive/g)).toHaveLength(templateFiles.length);
		}
		expect(await snapshot()).toEqual(before);
	});

	it('says clearly when the API key is wrong or a named credential does not exist', async () => {
		const badKey = await clone('--client', clients[0], '--api-key', 'not-a-key');
		expect(badKey.code).toBe(1);
		expect(badKey.stderr.trim()).toBe(
			`✖ n8n at ${n8nContext().url} refused the API key (HTTP 401). Create a key in n8n under Settings → n8n API and pass it with --api-key (or N8N_API_KEY).`,
		);
		const missing = await clone('--client', clients[0], '--credential', 'channelSendSmtpApi=No such SMTP');
		expect(missing.code).toBe(1);
		expect(missing.stderr.trim()).toBe(`✖ No channelSendSmtpApi credential named "No such SMTP" in n8n at ${n8nContext().url}. Create it in n8n first.`);
	});

	it("runs the cart journey of both clients for one contact: each client's entries, events and caps are its own", async () => {
		const contactId = `shopper-${randomUUID()}@example.com`;
		// settings a marketer would change per client: a short first delay, one marketing message
		// per week, a send window around now (in UTC, the contact's zone)
		const hour = new Date().getUTCHours();
		const hhmm = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
		const settings = { firstDelay: 1, firstDelayUnit: 'seconds', secondDelay: 1, secondDelayUnit: 'hours', capMaxMessages: 1, sendFrom: hhmm(hour - 2), sendUntil: hhmm(hour + 3) };
		const carts: Record<string, Workflow> = {};
		for (const client of clients) {
			const cart = (await taggedWorkflows(client)).find((w) => w.name === `${client} · Cart abandonment`)!;
			expect(cart, `${client} · Cart abandonment`).toBeTruthy();
			const node = cart.nodes.find((n: any) => n.name === 'Journey settings');
			for (const assignment of node.parameters.assignments.assignments) {
				if (assignment.name in settings) assignment.value = settings[assignment.name as keyof typeof settings];
			}
			await api().request('PUT', `/workflows/${cart.id}`, { name: cart.name, nodes: cart.nodes, connections: cart.connections, settings: cart.settings });
			carts[client] = cart;
			// the contact's consent, recorded with the client's own store credential
			await grantConsent(cart, contactId);
		}

		// a third run with --activate activates the copies and changes nothing else
		for (const client of clients) {
			const run = await clone('--client', client, '--templates', 'cart-abandonment', '--activate', ...credentialFlags());
			expect(run.stderr).toBe('');
			expect(run.code, run.stdout).toBe(0);
			expect(run.stdout).toContain(`${client} · Cart abandonment`);
			expect(run.stdout).toMatch(/already there, unchanged, activated/);
		}

		// the same contact abandons the same cart at both clients, and a second cart at the first
		const event = (cartId: string) => ({ id: `evt_${randomUUID()}`, contactId, name: 'cart_abandoned', occurredAt: new Date().toISOString(),
			properties: { cartId, phone: '010-1234-5678', timezone: 'UTC' } });
		const deliveries = [
			[clients[0], event('cart-1')],
			[clients[0], event('cart-2')],
			[clients[1], event('cart-1')],
		] as const;
		for (const [client, payload] of deliveries) {
			const res = await postDelivery(n8nContext().url, `${client}/cart-events`, signedDelivery(payload, { secret: SIGNING_SECRET }));
			expect(res.status, res.text).toBe(200);
		}

		// n8n resumes the first wait at its next once-a-minute check; then each journey sends or is capped
		const decided = async (client: string, count: number) => {
			const deadline = Date.now() + 200_000;
			for (;;) {
				const executions = (await api().listExecutions({ workflowId: carts[client].id, includeData: true })) as Execution[];
				const done = executions.filter((e) => e.data?.resultData.runData['Frequency Cap (SMS)']);
				if (done.length >= count) return done;
				if (Date.now() > deadline) throw new Error(`${client}: ${done.length} of ${count} cart journeys reached the SMS cap; executions: ${executions.map((e) => `${e.id}:${e.status}`).join(', ')}`);
				await new Promise((resolve) => setTimeout(resolve, 2000));
			}
		};
		const [a, b] = await Promise.all([decided(clients[0], 2), decided(clients[1], 1)]);

		// both clients let the contact in for cart-1: neither saw the other's entry
		for (const execution of [...a, ...b]) {
			const [entered, notEntered] = outputItems(execution, 'Journey Entry');
			expect([entered.length, notEntered?.length ?? 0], `execution ${execution.id}`).toEqual([1, 0]);
		}
		// client A: one SMS, the second cart capped by A's own cap of one; client B: its own SMS
		const capOutcome = (executions: Execution[]) =>
			executions.map((e) => outputItems(e, 'Frequency Cap (SMS)').map((items) => items.map((item) => item.frequencyCap.reason))).sort();
		expect(capOutcome(a)).toEqual([[[], ['limit_reached']], [['within_limits'], []]]);
		expect(capOutcome(b)).toEqual([[['within_limits'], []]]);
		expect(solapi.messages).toHaveLength(2);
		expect(solapi.messages.every((m) => m.to === '01012345678' && m.text.includes('(광고)'))).toBe(true);

		// in Redis: each client writes only under its own namespace, with its own contact hash
		// `<namespace>:<kind>:{<contact hash>}:<suffix>` → `<kind>:<suffix>`
		const kinds = async (client: string) => [...new Set((await scanKeys(`${client}:*`)).map((k) => k.replace(/^[^:]+:([^:]+):\{[^}]+\}:/, '$1:')))];
		// the contact's own keys (history, state, entries, caps) carry its hash; wait indexes carry others
		const hashes = async (client: string) =>
			new Set((await scanKeys(`${client}:*`)).map((k) => /^[^:]+:(?:cap|ct|ev|jr):\{([^}]+)\}:/.exec(k)?.[1]).filter(Boolean));
		for (const client of clients) {
			expect(await kinds(client)).toEqual(expect.arrayContaining(['cap:log', 'ct:state', 'ev:hist', 'jr:entries', 'jr:live']));
		}
		const [hashA, hashB] = [await hashes(clients[0]), await hashes(clients[1])];
		expect(hashA.size).toBe(1);
		expect(hashB.size).toBe(1);
		expect([...hashA][0]).not.toBe([...hashB][0]);
		// A recorded both of its carts, B only its own: the same contact has two separate histories
		const cartsRecorded = async (client: string) => {
			const [history, ...more] = await scanKeys(`${client}:ev:*:hist`);
			expect(more).toEqual([]);
			const events = (await redis.zrange(history, 0, -1)).map((member) => JSON.parse(member.slice(member.indexOf('|') + 1)));
			return events.filter((e) => e.name === 'cart_abandoned').map((e) => e.properties.cartId).sort();
		};
		expect(await cartsRecorded(clients[0])).toEqual(['cart-1', 'cart-2']);
		expect(await cartsRecorded(clients[1])).toEqual(['cart-1']);
	});
});

/** Records marketing consent (SMS, night-time) for the contact in the store of the cart copy's client. */
async function grantConsent(cart: Workflow, contactId: string): Promise<void> {
	const store = cart.nodes.find((n: any) => n.type === 'n8n-nodes-journeys.journeyEntry').credentials.journeyStoreRedisApi;
	const hookPath = `clone-consent-${randomUUID().slice(0, 8)}`;
	const consent: Workflow = {
		name: `e2e clone consent ${hookPath}`,
		nodes: [
			{ id: randomUUID(), name: 'In', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: hookPath, responseMode: 'lastNode', options: {} } },
			{ id: randomUUID(), name: 'Consent', type: 'n8n-nodes-journeys.journeyEvent', typeVersion: 1, position: [220, 0],
				parameters: { operation: 'consent', store: 'redis', contactId: '={{ $json.body.contactId }}', occurredAt: '',
					consentChanges: { changes: ['sms', 'push', 'email', 'marketing', 'night'].map((topic) => ({ topic, granted: true })) } },
				credentials: { journeyStoreRedisApi: store } },
		],
		connections: { In: { main: [[{ node: 'Consent', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	};
	const imported = await importWorkflow(consent);
	const res = await postToWebhook(hookPath, { contactId });
	expect(res.json?.journeyEvent?.consent?.sms?.granted, res.text).toBe(true);
	await api().deactivateWorkflow(imported.id);
}
