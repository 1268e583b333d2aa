/**
 * Clone the journey templates for one client through n8n's public API (/api/v1): a Journey
 * Store (Redis) credential with the client's own key namespace and hashing secret, one copy of
 * each chosen template named "<client> · <journey>" using it, tagged `client:<client>`.
 * Identities, so a second run changes nothing: the credential is found by its name
 * ("Journey store · <client>") and type, a copy by its name among the workflows tagged
 * `client:<client>`. The public API never returns credential secrets, so a credential that
 * exists is reused as it is.
 *
 * Ships as dist/cli/clone.js (bundled by scripts/bundle-runtime.mjs, no dependencies) and runs as
 * `npx n8n-nodes-journeys clone …` (cli/main.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NAMESPACE_PATTERN } from '../lib/store/redis/keys';
import {
	N8nApi,
	N8nHttpError,
	PACKAGE_NAME,
	REDIS_CREDENTIAL_TYPE,
	applyStoreCredential,
	redisUrlToCredentialFields,
	webhookPaths,
} from '../scripts/n8n/api.mjs';

type Json = Record<string, any>;

/**
 * The node types of this package that keep state and so take the store credential (all of
 * them today). test/unit/cli/clone.test.ts checks this list against the nodes' descriptions.
 */
export const NODES_WITH_STORE = [
	'segmentFilter',
	'frequencyCap',
	'waitUntilEvent',
	'journeyEvent',
	'journeyEventTrigger',
	'journeyEntry',
	'leadScore',
	'channelSend',
	'journeySplit',
	'journeyReport',
	'journeyReportPage',
].map((name) => `${PACKAGE_NAME}.${name}`);

/** n8n keeps tag names to 24 characters; "client:" takes 7. */
const MAX_CLIENT = 24 - 'client:'.length;
const CLIENT_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${MAX_CLIENT - 1}}$`);
/** Test runs use the namespace plus ".test-runs", within the store's 64 characters. */
const MAX_NAMESPACE = 64 - '.test-runs'.length;

/** A problem the person running the command can fix; the message says how. */
export class CloneError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'CloneError';
	}
}

export interface CloneOptions {
	/** the client's name: letters, digits, ".", "_", "-", at most 17 characters */
	client: string;
	/** template file names without `.json` (`cart-abandonment`), or 'all' (default) */
	templates?: 'all' | string[];
	n8nUrl: string;
	apiKey: string;
	/** activate the copies (default: leave them inactive) */
	activate?: boolean;
	/** where the client's Redis is (default redis://127.0.0.1:6379); used only when the credential is created */
	redisUrl?: string;
	/** the credential's key namespace (default: the client's name) */
	namespace?: string;
	/** other credentials to set on the copies, by type: `{ journeyEventSigningApi: 'Acme signing' }` (credential names) */
	credentials?: Record<string, string>;
	/** the folder of template JSON files (default: the package's workflows-templates/) */
	templatesDir?: string;
}

export interface ClonedWorkflow {
	template: string;
	name: string;
	id: string;
	/** false: it was already there and was left as it is */
	created: boolean;
	active: boolean;
	/** activated by this run */
	activated: boolean;
	/** why n8n refused to activate it (with --activate) */
	activationError?: string;
	url: string;
	/** the copy's production webhook paths (below /webhook/) */
	webhookPaths: string[];
}

export interface CloneResult {
	client: string;
	tag: string;
	namespace: string;
	credential: { id: string; name: string; created: boolean };
	workflows: ClonedWorkflow[];
}

export const DEFAULT_N8N_URL = 'http://localhost:5678';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The name of a client's store credential, by which a second run finds it. */
export const storeCredentialName = (client: string) => `Journey store · ${client}`;
/** The name of a client's copy of a template ("Journey: Cart abandonment" → "acme · Cart abandonment"). */
export const copyName = (client: string, template: string) => `${client} · ${template.replace(/^Journey:\s*/i, '')}`;
export const clientTag = (client: string) => `client:${client}`;

export const USAGE = `Usage: npx n8n-nodes-journeys clone --client <name> [options]

Copies the journey templates into n8n for one client, each with the client's own Journey
Store (Redis) credential, named "<client> · <journey>" and tagged client:<name>. Running it
again changes nothing.

Options:
  --client <name>            the client (letters, digits, ".", "_", "-"; at most ${MAX_CLIENT} characters)
  --templates all|a,b        which templates (file names without .json; default all)
  --n8n-url <url>            n8n's address (default $N8N_URL or ${DEFAULT_N8N_URL})
  --api-key <key>            an n8n API key (default $N8N_API_KEY; Settings → n8n API)
  --activate                 activate the copies (default: leave them inactive)
  --redis-url <url>          the client's Redis, for a new credential (default ${DEFAULT_REDIS_URL})
  --namespace <ns>           the credential's key namespace (default: the client's name)
  --credential <type>=<name> also set this existing credential on the copies, e.g.
                             --credential journeyEventSigningApi="Acme signing" (repeatable)
  --templates-dir <dir>      clone the templates of another folder
  --help                     this text`;

/** The package's root (the folder holding its package.json), from the source or the bundle. */
function packageRoot(): string {
	let dir = __dirname;
	while (!existsSync(path.join(dir, 'package.json'))) {
		const up = path.dirname(dir);
		if (up === dir) throw new CloneError(`Cannot find the package folder above ${__dirname}.`);
		dir = up;
	}
	return dir;
}

/** The templates of a folder: `{ cart-abandonment: <workflow JSON>, … }`, sorted by file name. */
export function readTemplates(dir = path.join(packageRoot(), 'workflows-templates')): Map<string, Json> {
	if (!existsSync(dir)) throw new CloneError(`No templates folder at ${dir}.`);
	const templates = new Map<string, Json>();
	for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
		try {
			templates.set(file.replace(/\.json$/, ''), JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
		} catch (error) {
			throw new CloneError(`Template ${path.join(dir, file)} is not valid JSON: ${(error as Error).message}`);
		}
	}
	if (templates.size === 0) throw new CloneError(`No template (*.json) in ${dir}.`);
	return templates;
}

/**
 * `--client acme --templates a,b …` (and `--flag=value`) → options. Missing values come from
 * N8N_URL / N8N_API_KEY. Resolves to 'help' for --help.
 */
export function parseCloneArgs(argv: string[], env: Record<string, string | undefined> = {}): CloneOptions | 'help' {
	const values: Record<string, string> = {};
	const credentials: Record<string, string> = {};
	let activate = false;
	const valued = ['client', 'templates', 'n8n-url', 'api-key', 'redis-url', 'namespace', 'credential', 'templates-dir'];
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--help' || arg === '-h') return 'help';
		const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
		if (!match) throw new CloneError(`Unexpected argument "${arg}". Options start with --; see --help.`);
		const [, flag, inline] = match;
		if (flag === 'activate') {
			if (inline !== undefined) throw new CloneError('--activate takes no value.');
			activate = true;
			continue;
		}
		if (!valued.includes(flag)) throw new CloneError(`Unknown option --${flag}. See --help for the options.`);
		let value = inline;
		if (value === undefined) {
			const next = argv[i + 1];
			if (next === undefined || next.startsWith('--')) throw new CloneError(`--${flag} needs a value.`);
			value = next;
			i++;
		}
		if (flag === 'credential') {
			const eq = value.indexOf('=');
			if (eq <= 0 || eq === value.length - 1) {
				throw new CloneError(`--credential takes <type>=<credential name>, e.g. journeyEventSigningApi="Acme signing"; got "${value}".`);
			}
			credentials[value.slice(0, eq).trim()] = value.slice(eq + 1).trim();
			continue;
		}
		if (flag in values) throw new CloneError(`--${flag} is given twice.`);
		values[flag] = value;
	}

	const client = values.client;
	if (!client) throw new CloneError('Missing --client <name>: whose copies to make (e.g. --client acme).');
	if (!CLIENT_PATTERN.test(client)) {
		throw new CloneError(
			`--client "${client}" is not a client name: use 1 to ${MAX_CLIENT} letters, digits, ".", "_" or "-", starting with a letter or digit ` +
				`(it becomes the tag "client:${client}", and n8n keeps tags to 24 characters).`,
		);
	}
	const n8nUrl = values['n8n-url'] ?? env.N8N_URL ?? DEFAULT_N8N_URL;
	let parsedUrl: URL | undefined;
	try {
		parsedUrl = new URL(n8nUrl);
	} catch {
		parsedUrl = undefined;
	}
	if (!parsedUrl || !['http:', 'https:'].includes(parsedUrl.protocol)) {
		throw new CloneError(`--n8n-url "${n8nUrl}" is not an http(s) address, e.g. http://localhost:5678.`);
	}
	const apiKey = values['api-key'] ?? env.N8N_API_KEY;
	if (!apiKey) {
		throw new CloneError('Missing the n8n API key: pass --api-key <key> or set N8N_API_KEY (create one in n8n under Settings → n8n API).');
	}
	const redisUrl = values['redis-url'] ?? DEFAULT_REDIS_URL;
	if (!/^rediss?:\/\/[^/]/.test(redisUrl)) {
		throw new CloneError(`--redis-url "${redisUrl}" must look like redis://host:6379 (or rediss:// for TLS).`);
	}
	const namespace = values.namespace ?? client;
	if (!NAMESPACE_PATTERN.test(namespace) || namespace.length > MAX_NAMESPACE) {
		throw new CloneError(`--namespace "${namespace}" must be 1 to ${MAX_NAMESPACE} letters, digits, ".", "_" or "-".`);
	}
	let templates: CloneOptions['templates'] = 'all';
	if (values.templates !== undefined && values.templates.trim() !== 'all') {
		templates = values.templates.split(',').map((t) => t.trim().replace(/\.json$/, '')).filter(Boolean);
		if (templates.length === 0) throw new CloneError('--templates needs "all" or template names separated by commas, e.g. cart-abandonment,onboarding.');
	}
	return {
		client,
		templates,
		n8nUrl: n8nUrl.replace(/\/+$/, ''),
		apiKey,
		activate,
		redisUrl,
		namespace,
		credentials,
		templatesDir: values['templates-dir'],
	};
}

/** The first call to n8n, turned into an answer a person can act on when it fails. */
async function checkN8n(api: N8nApi): Promise<void> {
	let res;
	try {
		res = await api.request('GET', '/workflows?limit=1', undefined, { allow: [401, 403, 404] });
	} catch (error) {
		const cause = (error as { cause?: { code?: string; message?: string } }).cause;
		throw new CloneError(
			`Cannot reach n8n at ${api.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). ` +
				'Is n8n running there? Pass its address with --n8n-url (or N8N_URL).',
		);
	}
	if (res.status === 401 || res.status === 403) {
		throw new CloneError(
			`n8n at ${api.url} refused the API key (HTTP ${res.status}). Create a key in n8n under Settings → n8n API ` +
				'and pass it with --api-key (or N8N_API_KEY).',
		);
	}
	if (res.status === 404) {
		throw new CloneError(`${api.url} has no n8n public API at /api/v1 (HTTP 404). Check --n8n-url, and that the public API is not disabled (N8N_PUBLIC_API_DISABLED).`);
	}
	const schema = await api.credentialSchema(REDIS_CREDENTIAL_TYPE);
	if (!schema) {
		throw new CloneError(
			`n8n at ${api.url} does not know the Journey Store (Redis) credential: install ${PACKAGE_NAME} there first ` +
				'(Settings → Community nodes → Install).',
		);
	}
}

/** The client's store credential: the one of that name, else a new one with a generated hashing secret. */
async function storeCredential(
	api: N8nApi,
	existing: Json[],
	options: CloneOptions & { namespace: string },
): Promise<CloneResult['credential']> {
	const name = storeCredentialName(options.client);
	const found = existing.find((c) => c.name === name && c.type === REDIS_CREDENTIAL_TYPE);
	if (found) return { id: String(found.id), name, created: false };
	const data = {
		...redisUrlToCredentialFields(options.redisUrl ?? DEFAULT_REDIS_URL),
		namespace: options.namespace,
		hashSecret: randomBytes(24).toString('base64url'),
		commandTimeoutMs: 1000,
	};
	const created = await api.createCredential({ name, type: REDIS_CREDENTIAL_TYPE, data });
	return { id: String(created.id), name, created: true };
}

/** The id of the tag, created if n8n has none of that name. */
async function ensureTag(api: N8nApi, name: string): Promise<string> {
	const find = async () => (await api.listAll('/tags')).find((t) => t.name === name);
	const found = await find();
	if (found) return String(found.id);
	const res = await api.request('POST', '/tags', { name }, { allow: [409] });
	if (res.status === 409) return String((await find())!.id); // created meanwhile
	return String(res.json.id);
}

/**
 * The client's copy of a template: its name, the store credential (and `store: redis`) on every
 * node that keeps state, the other given credentials where the template has a slot for them,
 * and webhooks of its own (`<client>/<path>`, new webhook ids) so the clients' copies can be
 * active side by side.
 */
export function clientCopy(
	template: Json,
	client: string,
	store: { id: string; name: string },
	others: Record<string, { id: string; name: string }> = {},
): Json {
	const copy = structuredClone(template);
	copy.name = copyName(client, template.name);
	applyStoreCredential(copy, store, { typesWithStore: NODES_WITH_STORE });
	for (const node of copy.nodes ?? []) {
		for (const [type, credential] of Object.entries(others)) {
			if (node.credentials && type in node.credentials) node.credentials[type] = { id: credential.id, name: credential.name };
		}
		if (node.webhookId) node.webhookId = randomUUID();
		if (node.webhookId && typeof node.parameters?.path === 'string' && node.parameters.path !== '') {
			node.parameters.path = `${client}/${node.parameters.path.replace(/^\/+/, '')}`;
		}
	}
	return copy;
}

/** Clones the chosen templates for one client; see the file comment. */
export async function cloneForClient(options: CloneOptions): Promise<CloneResult> {
	const namespace = options.namespace ?? options.client;
	const all = readTemplates(options.templatesDir);
	const wanted = !options.templates || options.templates === 'all' ? [...all.keys()] : options.templates;
	const unknown = wanted.filter((t) => !all.has(t));
	if (unknown.length > 0) {
		throw new CloneError(`No template named ${unknown.map((t) => `"${t}"`).join(', ')}. Templates: ${[...all.keys()].join(', ')} (or all).`);
	}

	const api = new N8nApi(options.n8nUrl, options.apiKey);
	await checkN8n(api);
	const credentials = await api.listAll('/credentials');
	const others: Record<string, { id: string; name: string }> = {};
	for (const [type, name] of Object.entries(options.credentials ?? {})) {
		const found = credentials.find((c) => c.type === type && c.name === name);
		if (!found) {
			const sameName = credentials.filter((c) => c.name === name).map((c) => c.type);
			throw new CloneError(
				`No ${type} credential named "${name}" in n8n at ${api.url}` +
					`${sameName.length ? ` (a credential of that name has type ${sameName.join(', ')})` : ''}. Create it in n8n first.`,
			);
		}
		others[type] = { id: String(found.id), name };
	}
	const credential = await storeCredential(api, credentials, { ...options, namespace });
	const tag = clientTag(options.client);
	const tagId = await ensureTag(api, tag);
	const tagged = (await api.listAll('/workflows', { tags: tag })).filter((w) => !w.isArchived);

	const workflows: ClonedWorkflow[] = [];
	for (const key of wanted) {
		const template = all.get(key)!;
		const name = copyName(options.client, template.name);
		let workflow = tagged.find((w) => w.name === name);
		const created = !workflow;
		if (!workflow) {
			workflow = await api.createWorkflow(clientCopy(template, options.client, credential, others));
			await api.request('PUT', `/workflows/${workflow!.id}/tags`, [{ id: tagId }]);
		}
		const result: ClonedWorkflow = {
			template: key,
			name,
			id: String(workflow!.id),
			created,
			active: Boolean(workflow!.active),
			activated: false,
			url: `${api.url}/workflow/${workflow!.id}`,
			webhookPaths: webhookPaths(workflow!),
		};
		if (options.activate && !result.active) {
			try {
				await api.activateWorkflow(result.id);
				result.active = true;
				result.activated = true;
			} catch (error) {
				if (!(error instanceof N8nHttpError)) throw error;
				result.activationError = messageOf(error);
			}
		}
		workflows.push(result);
	}
	return { client: options.client, tag, namespace, credential, workflows };
}

function messageOf(error: N8nHttpError): string {
	try {
		return String(JSON.parse(error.body).message ?? error.body);
	} catch {
		return error.body || error.message;
	}
}

/** What the command prints: one line per thing it made or found. */
export function formatCloneResult(result: CloneResult): string {
	const width = Math.max(...result.workflows.map((w) => w.name.length), result.credential.name.length);
	const lines = [
		`Client ${result.client}: tag ${result.tag}, key namespace "${result.namespace}"`,
		`  ${result.credential.name.padEnd(width)}  credential ${result.credential.created ? 'created' : 'already there, reused'} (id ${result.credential.id})`,
	];
	for (const w of result.workflows) {
		const state = w.created ? 'created' : 'already there, unchanged';
		const activity = w.activationError ? `NOT activated: ${w.activationError}` : w.activated ? 'activated' : w.active ? 'active' : 'inactive';
		const hooks = w.webhookPaths.length ? `  webhook /webhook/${w.webhookPaths.join(', /webhook/')}` : '';
		lines.push(`  ${w.name.padEnd(width)}  ${state}, ${activity}  ${w.url}${hooks}`);
	}
	if (result.workflows.some((w) => !w.active)) {
		lines.push('Open each copy, set its remaining credentials (event signing, email, SMS, push) and activate it.');
	}
	return lines.join('\n');
}
