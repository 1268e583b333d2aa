/**
 * Workflow builders and signed-delivery helpers shared by the event e2e tests
 * (test/e2e/wait-until-event.test.ts, journey-event-trigger.test.ts, shared-state.test.ts) and
 * the resume benchmark (bench/event.bench.ts). Not a test file itself.
 */
import { randomUUID } from 'node:crypto';
import { signedHeaders } from '../../../lib/events/signature';
import type { N8nApi } from '../../../scripts/n8n/index.mjs';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const PKG = 'n8n-nodes-journeys';
export type Json = Record<string, any>;
export interface CredentialRef {
	id: string;
	name: string;
}

export const SIGNING_SECRET = 'whsec_' + Buffer.from('journeys-e2e-signing-secret-0123456789').toString('base64');

let x = 0;
const position = (): [number, number] => [(x++ % 8) * 220, 0];

export function webhookNode(name: string, path: string): Json {
	return {
		id: randomUUID(),
		name,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: position(),
		webhookId: randomUUID(),
		parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
	};
}

/** The posted body becomes the item (one contact). */
export function bodyAsItemNode(name = 'Contact'): Json {
	return {
		id: randomUUID(),
		name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: position(),
		parameters: { mode: 'raw', jsonOutput: '={{ JSON.stringify($json.body) }}', options: {} },
	};
}

export function noOpNode(name: string): Json {
	return { id: randomUUID(), name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: position(), parameters: {} };
}

/** n8n's own Wait node for a short in-process delay (under 65 s it sleeps instead of parking). */
export function delayNode(name: string, seconds: number): Json {
	return {
		id: randomUUID(),
		name,
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		position: position(),
		webhookId: randomUUID(),
		parameters: { resume: 'timeInterval', amount: seconds, unit: 'seconds' },
	};
}

export function storeParameters(store?: CredentialRef): { parameters: Json; credentials?: Json } {
	if (!store) return { parameters: { store: 'memory' } };
	return { parameters: { store: 'redis' }, credentials: { journeyStoreRedisApi: { id: store.id, name: store.name } } };
}

export function waitUntilEventNode(name: string, parameters: Json, store?: CredentialRef): Json {
	const s = storeParameters(store);
	return {
		id: randomUUID(),
		name,
		type: `${PKG}.waitUntilEvent`,
		typeVersion: 1,
		position: position(),
		webhookId: randomUUID(),
		parameters: { ...s.parameters, eventNames: 'purchase', contactId: '={{ $json.contactId }}', ...parameters },
		...(s.credentials ? { credentials: s.credentials } : {}),
	};
}

export function journeyEventNode(name: string, parameters: Json, store?: CredentialRef): Json {
	const s = storeParameters(store);
	return {
		id: randomUUID(),
		name,
		type: `${PKG}.journeyEvent`,
		typeVersion: 1,
		position: position(),
		parameters: { operation: 'record', ...s.parameters, ...parameters },
		...(s.credentials ? { credentials: s.credentials } : {}),
	};
}

export function journeyEventTriggerNode(name: string, path: string, signing: CredentialRef, store?: CredentialRef, parameters: Json = {}): Json {
	const s = storeParameters(store);
	return {
		id: randomUUID(),
		name,
		type: `${PKG}.journeyEventTrigger`,
		typeVersion: 1,
		position: position(),
		webhookId: randomUUID(),
		parameters: { path, record: true, ...s.parameters, options: {}, ...parameters },
		credentials: { journeyEventSigningApi: { id: signing.id, name: signing.name }, ...(s.credentials ?? {}) },
	};
}

/** `[from, output, to]` triples → n8n connections */
export function workflow(name: string, nodes: Json[], links: Array<[string, number, string]>): Json {
	const connections: Json = {};
	for (const [from, output, to] of links) {
		connections[from] ??= { main: [] };
		const main = connections[from].main as Json[][];
		while (main.length <= output) main.push([]);
		main[output].push({ node: to, type: 'main', index: 0 });
	}
	return { name, nodes, connections, settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveManualExecutions: true } };
}

/**
 * The standard waiting journey: Webhook `start-<suffix>` → Contact (body) → [optional delay] →
 * Wait Until Event → Timed Out Branch / Event Branch.
 */
export function waitJourney(suffix: string, waitParameters: Json, store?: CredentialRef, options: { delaySeconds?: number } = {}): Json {
	const nodes = [webhookNode('Start', `start-${suffix}`), bodyAsItemNode('Contact')];
	const links: Array<[string, number, string]> = [['Start', 0, 'Contact']];
	let before = 'Contact';
	if (options.delaySeconds) {
		nodes.push(delayNode('Delay', options.delaySeconds));
		links.push(['Contact', 0, 'Delay']);
		before = 'Delay';
	}
	nodes.push(waitUntilEventNode('Wait Until Event', waitParameters, store), noOpNode('Timed Out Branch'), noOpNode('Event Branch'));
	links.push([before, 0, 'Wait Until Event'], ['Wait Until Event', 0, 'Timed Out Branch'], ['Wait Until Event', 1, 'Event Branch']);
	return workflow(`e2e wait until event ${suffix}`, nodes, links);
}

/** Journey Event Trigger `events-<suffix>` → Received. */
export function eventsInWorkflow(suffix: string, signing: CredentialRef, store?: CredentialRef, parameters: Json = {}): Json {
	return workflow(
		`e2e journey events ${suffix}`,
		[journeyEventTriggerNode('Journey Event Trigger', `events-${suffix}`, signing, store, parameters), noOpNode('Received')],
		[['Journey Event Trigger', 0, 'Received']],
	);
}

export interface SignedDelivery {
	body: string;
	headers: Record<string, string>;
	id: string;
}

/** A Standard Webhooks delivery of `payload` (one event or `{ events }`). */
export function signedDelivery(payload: unknown, options: { id?: string; timestamp?: number; secret?: string } = {}): SignedDelivery {
	const body = JSON.stringify(payload);
	const id = options.id ?? `msg_${randomUUID()}`;
	const headers = {
		'content-type': 'application/json',
		...signedHeaders(options.secret ?? SIGNING_SECRET, id, options.timestamp ?? Math.floor(Date.now() / 1000), body),
	};
	return { body, headers, id };
}

export async function postDelivery(baseUrl: string, path: string, delivery: SignedDelivery): Promise<{ status: number; json: any; text: string }> {
	for (let attempt = 0; ; attempt++) {
		const res = await fetch(`${baseUrl}/webhook/${path}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
		const text = await res.text();
		// a just-activated webhook can answer 404 for a moment
		if (res.status === 404 && attempt < 20) {
			await new Promise((resolve) => setTimeout(resolve, 250));
			continue;
		}
		let json: any;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return { status: res.status, json, text };
	}
}

export function purchase(contactId: string, properties: Json = {}, id = `evt_${randomUUID()}`): Json {
	return { id, contactId, name: 'purchase', properties, occurredAt: new Date().toISOString() };
}

export interface Setup {
	url: string;
	api: N8nApi;
	signing: CredentialRef;
	redis: CredentialRef;
	eventsPath: string;
}

/** Credentials (signing secret, Redis store with a fresh namespace) and the events-in workflow. */
export async function prepare(url: string, n8nApi: N8nApi, tag: string): Promise<Setup> {
	const signing = await n8nApi.createCredential({
		name: `Journey signing ${tag}`,
		type: 'journeyEventSigningApi',
		data: { secret: SIGNING_SECRET, previousSecret: '' },
	});
	const redis = await n8nApi.ensureRedisCredential({
		redisUrl: REDIS_URL,
		name: `Journey store ${tag}`,
		namespace: `e2e-${tag}`,
		hashSecret: `e2e-hash-secret-${tag}-0123456789`,
		// two cores shared with n8n's start-up: give Redis calls room
		extra: { commandTimeoutMs: 5000 },
	});
	if (!redis) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is it listed in package.json n8n.credentials?');
	await n8nApi.importWorkflows([eventsInWorkflow(tag, signing, redis)], { activate: true });
	return { url, api: n8nApi, signing: { id: signing.id, name: signing.name }, redis, eventsPath: `events-${tag}` };
}

/**
 * Delivers one signed event (or batch). Like a Standard Webhooks sender, it retries a 503 (the
 * store was not reachable yet, e.g. right after n8n started) with a fresh delivery.
 */
export async function send(setup: Pick<Setup, 'url' | 'eventsPath'>, payload: unknown) {
	for (let attempt = 1; ; attempt++) {
		const res = await postDelivery(setup.url, setup.eventsPath, signedDelivery(payload));
		if (res.status === 503 && attempt < 5) {
			await sleep(500 * attempt);
			continue;
		}
		if (res.status !== 200 || !res.json) throw new Error(`the event delivery answered ${res.status}: ${res.text}`);
		return res.json as { accepted: number; recorded: number; duplicates: number; resumed: number; notResumed?: Record<string, number> };
	}
}
