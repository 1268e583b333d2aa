// Talking to a running n8n over HTTP: owner and API key without a browser, the public API
// (/api/v1, header X-N8N-API-KEY), webhooks, and the Redis store credential.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError, sleep } from './util.mjs';

export const PACKAGE_NAME = 'n8n-nodes-journeys';
export const REDIS_CREDENTIAL_TYPE = 'journeyStoreRedisApi';

/** An HTTP answer n8n gave that the caller did not expect. */
export class N8nHttpError extends Error {
	/**
	 * @param {string} message
	 * @param {number} status
	 * @param {string} body
	 */
	constructor(message, status, body) {
		super(message);
		this.name = 'N8nHttpError';
		this.status = status;
		this.body = body;
	}
}

/**
 * @param {string} method
 * @param {string} url
 * @param {{ body?: unknown, headers?: Record<string, string>, cookie?: string, timeoutMs?: number }} [options]
 * @returns {Promise<{ status: number, text: string, json: any, headers: Headers }>}
 */
export async function httpRequest(method, url, options = {}) {
	/** @type {Record<string, string>} */
	const headers = { accept: 'application/json', ...options.headers };
	if (options.cookie) headers.cookie = options.cookie;
	let body;
	if (options.body !== undefined) {
		headers['content-type'] ??= 'application/json';
		body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
	}
	const res = await fetch(url, {
		method,
		headers,
		body,
		signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
	});
	const text = await res.text();
	let json;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: res.status, text, json, headers: res.headers };
}

/** @param {Headers} headers */
function authCookie(headers) {
	const cookie = headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
	return cookie?.split(';')[0];
}

/** A password n8n accepts (8–64 chars, a digit and an uppercase letter). */
export function generatePassword() {
	return `Jrny-${randomBytes(9).toString('base64url')}-7Q`;
}

/**
 * Logs in through `/rest/login` and returns the `n8n-auth` cookie.
 * @param {string} url
 * @param {string} email
 * @param {string} password
 */
export async function login(url, email, password) {
	const res = await httpRequest('POST', `${url}/rest/login`, { body: { emailOrLdapLoginId: email, password } });
	const cookie = authCookie(res.headers);
	if (res.status !== 200 || !cookie) {
		throw new SetupError(
			`Could not log in to n8n at ${url} as ${email} (HTTP ${res.status}: ${res.text.slice(0, 200)}). ` +
				'The owner of this user folder has another login: use it, or delete the user folder to start over.',
		);
	}
	return cookie;
}

/**
 * Creates the owner account if the instance has none (`POST /rest/owner/setup`), otherwise
 * logs in with the given login. Resolves to the login and the session cookie.
 * @param {string} url
 * @param {{ email?: string, password?: string, firstName?: string, lastName?: string }} [owner]
 * @returns {Promise<{ email: string, password: string, cookie: string, created: boolean }>}
 */
export async function setupOwner(url, owner = {}) {
	const email = owner.email ?? 'owner@example.com';
	const password = owner.password ?? generatePassword();
	const settings = await httpRequest('GET', `${url}/rest/settings`);
	const needsSetup = settings.json?.data?.userManagement?.showSetupOnFirstLoad;
	if (needsSetup === false) return { email, password, cookie: await login(url, email, password), created: false };
	const res = await httpRequest('POST', `${url}/rest/owner/setup`, {
		body: { email, password, firstName: owner.firstName ?? 'Journey', lastName: owner.lastName ?? 'Owner' },
	});
	const cookie = authCookie(res.headers);
	if (res.status !== 200 || !cookie) {
		throw new SetupError(`Owner setup on ${url} failed (HTTP ${res.status}): ${res.text.slice(0, 300)}`);
	}
	return { email, password, cookie, created: true };
}

/**
 * Creates an API key with every scope the instance offers (`POST /rest/api-keys`).
 * @param {string} url
 * @param {string} cookie
 * @param {{ label?: string }} [options]
 * @returns {Promise<string>} the raw key (shown once by n8n)
 */
export async function createApiKey(url, cookie, options = {}) {
	const scopes = await httpRequest('GET', `${url}/rest/api-keys/scopes`, { cookie });
	if (scopes.status !== 200) throw new SetupError(`Listing API key scopes failed (HTTP ${scopes.status}): ${scopes.text}`);
	const res = await httpRequest('POST', `${url}/rest/api-keys`, {
		cookie,
		body: {
			label: options.label ?? `journeys-harness ${new Date().toISOString()}`,
			scopes: scopes.json.data,
			expiresAt: null,
		},
	});
	const key = res.json?.data?.rawApiKey;
	if (res.status !== 200 || !key) throw new SetupError(`Creating an API key failed (HTTP ${res.status}): ${res.text}`);
	return key;
}

/**
 * The other direction, for a start without Redis: every node of this package set to
 * `store: 'redis'` without a usable credential (templates ship with empty credential ids) is
 * switched to `store: 'memory'`. Mutates and returns the workflow and the changed node names.
 * @param {Record<string, any>} workflow
 * @param {{ type?: string, packageName?: string }} [options]
 */
export function applyMemoryStore(workflow, options = {}) {
	const type = options.type ?? REDIS_CREDENTIAL_TYPE;
	const prefix = `${options.packageName ?? PACKAGE_NAME}.`;
	/** @type {string[]} */
	const changed = [];
	for (const node of workflow.nodes ?? []) {
		if (!String(node.type).startsWith(prefix) || node.parameters?.store !== 'redis') continue;
		if (node.credentials?.[type]?.id) continue;
		node.parameters = { ...node.parameters, store: 'memory' };
		if (node.credentials) delete node.credentials[type];
		changed.push(node.name);
	}
	return { workflow, changed };
}

/**
 * The node types (names) whose description declares a parameter `name`, e.g. 'store'.
 * @param {Array<{ name: string, properties?: Array<{ name: string }> }>} types  from nodeTypes()
 * @param {string} name
 */
export function typesWithParameter(types, name) {
	return types.filter((t) => (t.properties ?? []).some((p) => p.name === name)).map((t) => t.name);
}

/**
 * Node types the instance knows (`GET /types/nodes.json`, needs the session cookie).
 * @param {string} url
 * @param {string} cookie
 * @returns {Promise<Array<{ name: string, displayName: string, version: number | number[], iconUrl?: unknown, icon?: unknown }>>}
 */
export async function nodeTypes(url, cookie) {
	const res = await httpRequest('GET', `${url}/types/nodes.json`, { cookie, timeoutMs: 60_000 });
	if (res.status !== 200 || !Array.isArray(res.json)) {
		throw new N8nHttpError(`GET /types/nodes.json answered ${res.status}`, res.status, res.text.slice(0, 500));
	}
	return res.json;
}

/** Top-level and node fields the public API accepts when creating a workflow. */
const WORKFLOW_FIELDS = ['name', 'nodes', 'connections', 'settings', 'staticData', 'pinData'];
const NODE_FIELDS = [
	'id',
	'name',
	'webhookId',
	'disabled',
	'notesInFlow',
	'notes',
	'type',
	'typeVersion',
	'executeOnce',
	'alwaysOutputData',
	'retryOnFail',
	'maxTries',
	'waitBetweenTries',
	'continueOnFail',
	'onError',
	'position',
	'parameters',
	'credentials',
];

/**
 * Reduces a workflow (an n8n export, a template) to what `POST /api/v1/workflows` accepts.
 * @param {Record<string, any>} workflow
 */
export function toCreatableWorkflow(workflow) {
	/** @type {Record<string, any>} */
	const out = {};
	for (const k of WORKFLOW_FIELDS) if (workflow[k] !== undefined) out[k] = workflow[k];
	out.settings ??= {};
	out.connections ??= {};
	out.nodes = (workflow.nodes ?? []).map((/** @type {Record<string, any>} */ node) => {
		/** @type {Record<string, any>} */
		const n = {};
		for (const k of NODE_FIELDS) if (node[k] !== undefined) n[k] = node[k];
		if (n.credentials) {
			// credentials with empty ids (templates) are not references n8n can resolve
			n.credentials = Object.fromEntries(
				Object.entries(n.credentials).filter(([, c]) => c && typeof c === 'object' && c.id),
			);
			if (Object.keys(n.credentials).length === 0) delete n.credentials;
		}
		return n;
	});
	return out;
}

/**
 * The production webhook paths a workflow registers when active: every node with a `webhookId`
 * and a `path` parameter (the Webhook node, Journey Event Trigger).
 * @param {Record<string, any>} workflow
 * @returns {string[]}
 */
export function webhookPaths(workflow) {
	return (workflow.nodes ?? [])
		.filter((/** @type {any} */ n) => !n.disabled && n.webhookId && typeof n.parameters?.path === 'string')
		.map((/** @type {any} */ n) => n.parameters.path);
}

/**
 * Posts to a production webhook, retrying briefly while n8n still answers 404 right after
 * activation.
 * @param {string} baseUrl  the n8n URL
 * @param {string} webhookPath
 * @param {unknown} body
 * @param {{ method?: string, headers?: Record<string, string>, retryForMs?: number }} [options]
 */
export async function postWebhook(baseUrl, webhookPath, body, options = {}) {
	const deadline = Date.now() + (options.retryForMs ?? 10_000);
	for (;;) {
		const res = await httpRequest(options.method ?? 'POST', `${baseUrl}/webhook/${webhookPath.replace(/^\//, '')}`, {
			body,
			headers: options.headers,
		});
		if (res.status !== 404 || Date.now() > deadline) return res;
		await sleep(250);
	}
}

/**
 * Converts `redis[s]://[user[:password]@]host[:port][/db]` to the fields of the
 * journeyStoreRedisApi credential.
 * @param {string} redisUrl
 */
export function redisUrlToCredentialFields(redisUrl) {
	const u = new URL(redisUrl);
	if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
		throw new SetupError(`REDIS_URL must start with redis:// or rediss://, got ${redisUrl}`);
	}
	return {
		host: u.hostname || '127.0.0.1',
		port: Number(u.port || 6379),
		user: decodeURIComponent(u.username),
		password: decodeURIComponent(u.password),
		database: Number(u.pathname.replace(/^\//, '') || 0),
		tls: u.protocol === 'rediss:',
	};
}

/**
 * Sets a store credential on every node of this package that has a `store` parameter (set in
 * the workflow, or declared by its node type: `typesWithStore`) or already names that
 * credential type, and switches it to `store: 'redis'`. Mutates and returns the workflow
 * together with the names of the nodes it changed.
 * @param {Record<string, any>} workflow
 * @param {{ id: string, name: string }} credential
 * @param {{ type?: string, packageName?: string, typesWithStore?: Iterable<string> }} [options]
 */
export function applyStoreCredential(workflow, credential, options = {}) {
	const type = options.type ?? REDIS_CREDENTIAL_TYPE;
	const prefix = `${options.packageName ?? PACKAGE_NAME}.`;
	const typesWithStore = new Set(options.typesWithStore ?? []);
	/** @type {string[]} */
	const changed = [];
	for (const node of workflow.nodes ?? []) {
		if (!String(node.type).startsWith(prefix)) continue;
		const usesStore = (node.parameters && 'store' in node.parameters) || typesWithStore.has(node.type);
		if (!usesStore && !node.credentials?.[type]) continue;
		node.parameters = { ...node.parameters, store: 'redis' };
		node.credentials = { ...node.credentials, [type]: { id: credential.id, name: credential.name } };
		changed.push(node.name);
	}
	return { workflow, changed };
}

/**
 * The public API of one n8n instance.
 */
export class N8nApi {
	/**
	 * @param {string} url   the n8n URL, e.g. http://127.0.0.1:5678
	 * @param {string} apiKey
	 */
	constructor(url, apiKey) {
		this.url = url.replace(/\/$/, '');
		this.apiKey = apiKey;
	}

	/**
	 * @param {string} method
	 * @param {string} apiPath  below /api/v1, e.g. "/workflows"
	 * @param {unknown} [body]
	 * @param {{ allow?: number[] }} [options]  statuses to return instead of throwing
	 */
	async request(method, apiPath, body, options = {}) {
		const res = await httpRequest(method, `${this.url}/api/v1${apiPath}`, {
			body,
			headers: { 'X-N8N-API-KEY': this.apiKey },
			timeoutMs: 60_000,
		});
		if (res.status >= 400 && !options.allow?.includes(res.status)) {
			throw new N8nHttpError(
				`${method} /api/v1${apiPath} answered HTTP ${res.status}: ${res.text.slice(0, 500)}`,
				res.status,
				res.text,
			);
		}
		return res;
	}

	/** Whether the key is accepted. */
	async keyWorks() {
		const res = await this.request('GET', '/workflows?limit=1', undefined, { allow: [401, 403] });
		return res.status === 200;
	}

	/**
	 * Follows the cursor of a list endpoint.
	 * @param {string} apiPath
	 * @param {Record<string, string | number | boolean | undefined>} [query]
	 */
	async listAll(apiPath, query = {}) {
		/** @type {any[]} */
		const items = [];
		let cursor;
		do {
			const params = new URLSearchParams();
			for (const [k, v] of Object.entries({ limit: 250, ...query, cursor })) if (v !== undefined) params.set(k, String(v));
			const res = await this.request('GET', `${apiPath}?${params}`);
			items.push(...res.json.data);
			cursor = res.json.nextCursor ?? undefined;
		} while (cursor);
		return items;
	}

	/** @returns {Promise<any[]>} */
	listWorkflows() {
		return this.listAll('/workflows');
	}

	/**
	 * @param {Record<string, any>} workflow
	 * @returns {Promise<any>} the created workflow (with `id`)
	 */
	async createWorkflow(workflow) {
		return (await this.request('POST', '/workflows', toCreatableWorkflow(workflow))).json;
	}

	/** @param {string} id */
	async activateWorkflow(id) {
		return (await this.request('POST', `/workflows/${id}/activate`)).json;
	}

	/** @param {string} id */
	async deactivateWorkflow(id) {
		return (await this.request('POST', `/workflows/${id}/deactivate`)).json;
	}

	/** @param {string} id */
	async getWorkflow(id) {
		return (await this.request('GET', `/workflows/${id}`)).json;
	}

	/**
	 * Imports workflows from files or objects.
	 * @param {Array<string | Record<string, any>>} sources  JSON file paths or workflow objects
	 * @param {{
	 *   activate?: boolean | 'webhooks',
	 *   skipExisting?: boolean,
	 *   transform?: (workflow: Record<string, any>, source: string | undefined) => Record<string, any> | void,
	 * }} [options]  activate: true = all, 'webhooks' = those with a webhook trigger (default false);
	 *   skipExisting: skip a workflow whose name already exists (default false)
	 * @returns {Promise<Array<{ id: string, name: string, file?: string, created: boolean, active: boolean, webhookPaths: string[] }>>}
	 */
	async importWorkflows(sources, options = {}) {
		const existing = options.skipExisting ? await this.listWorkflows() : [];
		const results = [];
		for (const source of sources) {
			const file = typeof source === 'string' ? path.resolve(source) : undefined;
			/** @type {Record<string, any>} */
			let workflow = file ? JSON.parse(readFileSync(file, 'utf8')) : structuredClone(source);
			workflow = options.transform?.(workflow, file) ?? workflow;
			const paths = webhookPaths(workflow);
			const found = existing.find((w) => w.name === workflow.name && !w.isArchived);
			if (found) {
				results.push({ id: found.id, name: found.name, file, created: false, active: !!found.active, webhookPaths: paths });
				continue;
			}
			const created = await this.createWorkflow(workflow);
			const activate = options.activate === true || (options.activate === 'webhooks' && paths.length > 0);
			if (activate) await this.activateWorkflow(created.id);
			results.push({ id: created.id, name: created.name, file, created: true, active: activate, webhookPaths: paths });
		}
		return results;
	}

	/**
	 * @param {{ workflowId?: string, includeData?: boolean, status?: string, limit?: number }} [query]
	 * @returns {Promise<any[]>} newest first
	 */
	async listExecutions(query = {}) {
		const { limit, ...rest } = query;
		if (limit !== undefined) {
			const params = new URLSearchParams();
			for (const [k, v] of Object.entries({ ...rest, limit })) if (v !== undefined) params.set(k, String(v));
			return (await this.request('GET', `/executions?${params}`)).json.data;
		}
		return this.listAll('/executions', { ...rest, limit: 100 });
	}

	/**
	 * @param {string} id
	 * @param {{ includeData?: boolean }} [options]
	 */
	async getExecution(id, options = {}) {
		return (await this.request('GET', `/executions/${id}?includeData=${options.includeData ?? true}`)).json;
	}

	/**
	 * Polls until the workflow has at least `count` executions that are no longer running
	 * (success, error, waiting, …), then returns those, oldest first.
	 * @param {{ workflowId: string, count: number, timeoutMs?: number, intervalMs?: number,
	 *   includeData?: boolean, statuses?: string[] }} options
	 *   statuses: what counts as done (default: anything but new/running)
	 */
	async waitForExecutions(options) {
		const { workflowId, count, timeoutMs = 60_000, intervalMs = 300, includeData = true, statuses } = options;
		const deadline = Date.now() + timeoutMs;
		/** @type {any[]} */
		let seen = [];
		for (;;) {
			seen = await this.listExecutions({ workflowId, includeData });
			const done = seen.filter((e) => (statuses ? statuses.includes(e.status) : !['new', 'running'].includes(e.status)));
			if (done.length >= count) return done.sort((a, b) => Number(a.id) - Number(b.id));
			if (Date.now() > deadline) {
				const summary = seen.map((e) => `${e.id}:${e.status}`).join(', ') || 'none';
				throw new Error(
					`Expected ${count} finished execution(s) of workflow ${workflowId} within ${timeoutMs / 1000} s; saw ${summary}.`,
				);
			}
			await sleep(intervalMs);
		}
	}

	/**
	 * The JSON schema of a credential type's data, or undefined if the instance does not know
	 * the type (e.g. this package has no such credential yet).
	 * @param {string} type
	 */
	async credentialSchema(type) {
		const res = await this.request('GET', `/credentials/schema/${type}`, undefined, { allow: [400, 404, 500] });
		return res.status === 200 ? res.json : undefined;
	}

	/**
	 * @param {{ name: string, type: string, data: Record<string, unknown> }} credential
	 * @returns {Promise<{ id: string, name: string, type: string }>}
	 */
	async createCredential(credential) {
		return (await this.request('POST', '/credentials', credential)).json;
	}

	/**
	 * Creates (or updates, matched by name) the Redis store credential from a REDIS_URL, with
	 * only the fields the credential type declares. Resolves to undefined when the instance does
	 * not know the credential type.
	 * @param {{ redisUrl: string, name?: string, namespace?: string, hashSecret?: string,
	 *   extra?: Record<string, unknown> }} options
	 * @returns {Promise<{ id: string, name: string } | undefined>}
	 */
	async ensureRedisCredential(options) {
		const schema = await this.credentialSchema(REDIS_CREDENTIAL_TYPE);
		if (!schema) return undefined;
		const name = options.name ?? 'Journey store (REDIS_URL)';
		/** @type {Record<string, unknown>} */
		const wanted = {
			...redisUrlToCredentialFields(options.redisUrl),
			namespace: options.namespace ?? 'journeys',
			hashSecret: options.hashSecret ?? randomBytes(24).toString('base64url'),
			...options.extra,
		};
		const known = Object.keys(schema.properties ?? {});
		const data = Object.fromEntries(Object.entries(wanted).filter(([k]) => known.length === 0 || known.includes(k)));
		const existing = (await this.listAll('/credentials')).find(
			(c) => c.name === name && c.type === REDIS_CREDENTIAL_TYPE,
		);
		if (existing) {
			await this.request('PATCH', `/credentials/${existing.id}`, { name, type: REDIS_CREDENTIAL_TYPE, data });
			return { id: existing.id, name };
		}
		const created = await this.createCredential({ name, type: REDIS_CREDENTIAL_TYPE, data });
		return { id: created.id, name: created.name };
	}
}
