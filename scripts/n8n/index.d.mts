// Types of the real-n8n harness (scripts/n8n/*.mjs) for TypeScript tests.

type Log = (msg: string) => void;
type Env = Record<string, string | undefined>;

/** A setup problem a person can fix; the message says what to do. */
export declare class SetupError extends Error {}
export declare class N8nHttpError extends Error {
	status: number;
	body: string;
}

export declare const N8N_VERSION: string;
export declare const NODE_MAJOR: number;
export declare const REPO_ROOT: string;
export declare const PACKAGE_NAME: string;
export declare const REDIS_CREDENTIAL_TYPE: string;
export declare const QUIET_ENV: Readonly<Record<string, string>>;

export declare function cacheDir(): string;
export declare function sleep(ms: number): Promise<void>;
/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in order. */
export declare function inParallel<T, R>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]>;
export declare function readLogTail(file: string, lines?: number): string;

// install
export declare function ensureNode24(options?: { log?: Log }): Promise<string>;
export declare function nodeHeadersDir(nodeBin: string): string;
export interface N8nInstall {
	version: string;
	dir: string;
	bin: string;
	nodeBin: string;
}
export declare function ensureN8n(version?: string, options?: { nodeBin?: string; log?: Log }): Promise<N8nInstall>;
export declare function buildAndPack(options?: { root?: string; outDir?: string; log?: Log }): Promise<string>;
export interface InstalledPackage {
	name: string;
	version: string;
	dir: string;
	nodes: string[];
	credentials: string[];
}
export declare function packAndInstall(tarball: string, userFolder: string): Promise<InstalledPackage>;

// process
export declare function freePort(host?: string): Promise<number>;
export declare function isPortFree(port: number, host?: string): Promise<boolean>;
export declare function assertPortFree(port: number, what: string, fix: string, host?: string): Promise<void>;
export declare function readUserFolderState(userFolder: string): Record<string, any>;
export declare function writeUserFolderState(userFolder: string, state: Record<string, any>): void;
export interface N8nHandle {
	/** a worker: the main's URL */
	url: string;
	command: 'start' | 'worker';
	port: number;
	runnerBrokerPort: number;
	userFolder: string;
	logFile: string;
	pid: number;
	exited: Promise<number | null>;
	/** SIGTERM, then SIGKILL of n8n's process group after `graceMs` (default 20 s). */
	stop(graceMs?: number): Promise<void>;
	logTail(lines?: number): string;
}
export interface StartOptions {
	userFolder: string;
	/** 'worker': `n8n worker --concurrency=<concurrency>` (queue mode) */
	command?: 'start' | 'worker';
	concurrency?: number;
	port?: number;
	runnerBrokerPort?: number;
	env?: Env;
	logFile?: string;
	timeoutMs?: number;
	n8n?: N8nInstall;
	portHint?: string;
	log?: Log;
}
export declare function startN8n(options: StartOptions): Promise<N8nHandle>;

// api
export interface HttpAnswer {
	status: number;
	text: string;
	json: any;
	headers: Headers;
}
export declare function httpRequest(
	method: string,
	url: string,
	options?: { body?: unknown; headers?: Record<string, string>; cookie?: string; timeoutMs?: number },
): Promise<HttpAnswer>;
export declare function generatePassword(): string;
export declare function login(url: string, email: string, password: string): Promise<string>;
export interface Owner {
	email: string;
	password: string;
	cookie: string;
	created: boolean;
}
export declare function setupOwner(
	url: string,
	owner?: { email?: string; password?: string; firstName?: string; lastName?: string },
): Promise<Owner>;
export declare function createApiKey(url: string, cookie: string, options?: { label?: string }): Promise<string>;
export interface NodeTypeDescription {
	name: string;
	displayName: string;
	version: number | number[];
	icon?: unknown;
	iconUrl?: string | { light: string; dark: string };
	properties?: Array<{ name: string; [key: string]: unknown }>;
	[key: string]: unknown;
}
export declare function nodeTypes(url: string, cookie: string): Promise<NodeTypeDescription[]>;
export declare function toCreatableWorkflow(workflow: Record<string, any>): Record<string, any>;
export declare function webhookPaths(workflow: Record<string, any>): string[];
export declare function postWebhook(
	baseUrl: string,
	webhookPath: string,
	body: unknown,
	options?: { method?: string; headers?: Record<string, string>; retryForMs?: number },
): Promise<HttpAnswer>;
export declare function redisUrlToCredentialFields(redisUrl: string): {
	host: string;
	port: number;
	user: string;
	password: string;
	database: number;
	tls: boolean;
};
export declare function applyStoreCredential(
	workflow: Record<string, any>,
	credential: { id: string; name: string },
	options?: { type?: string; packageName?: string; typesWithStore?: Iterable<string> },
): { workflow: Record<string, any>; changed: string[] };
export declare function applyMemoryStore(
	workflow: Record<string, any>,
	options?: { type?: string; packageName?: string },
): { workflow: Record<string, any>; changed: string[] };
export declare function typesWithParameter(
	types: Array<{ name: string; properties?: Array<{ name: string }> }>,
	name: string,
): string[];

export interface ImportedWorkflow {
	id: string;
	name: string;
	file?: string;
	created: boolean;
	active: boolean;
	webhookPaths: string[];
}
/** A public-API execution; `data` is present with includeData. */
export interface Execution {
	id: string;
	status: string;
	mode: string;
	workflowId: string;
	finished: boolean;
	startedAt: string;
	stoppedAt: string | null;
	waitTill: string | null;
	data?: {
		resultData: {
			runData: Record<string, Array<{ data?: { main: Array<Array<{ json: Record<string, any> }> | null> } }>>;
			error?: { message: string; [key: string]: unknown };
			lastNodeExecuted?: string;
		};
		[key: string]: unknown;
	};
	[key: string]: unknown;
}
export declare class N8nApi {
	constructor(url: string, apiKey: string);
	readonly url: string;
	readonly apiKey: string;
	request(method: string, apiPath: string, body?: unknown, options?: { allow?: number[] }): Promise<HttpAnswer>;
	keyWorks(): Promise<boolean>;
	listAll(apiPath: string, query?: Record<string, string | number | boolean | undefined>): Promise<any[]>;
	listWorkflows(): Promise<any[]>;
	createWorkflow(workflow: Record<string, any>): Promise<any>;
	activateWorkflow(id: string): Promise<any>;
	deactivateWorkflow(id: string): Promise<any>;
	getWorkflow(id: string): Promise<any>;
	importWorkflows(
		sources: Array<string | Record<string, any>>,
		options?: {
			activate?: boolean | 'webhooks';
			skipExisting?: boolean;
			transform?: (workflow: Record<string, any>, source: string | undefined) => Record<string, any> | void;
		},
	): Promise<ImportedWorkflow[]>;
	listExecutions(query?: { workflowId?: string; includeData?: boolean; status?: string; limit?: number }): Promise<Execution[]>;
	getExecution(id: string, options?: { includeData?: boolean }): Promise<Execution>;
	waitForExecutions(options: {
		workflowId: string;
		count: number;
		timeoutMs?: number;
		intervalMs?: number;
		includeData?: boolean;
		statuses?: string[];
	}): Promise<Execution[]>;
	credentialSchema(type: string): Promise<{ properties?: Record<string, unknown>; [key: string]: unknown } | undefined>;
	createCredential(credential: { name: string; type: string; data: Record<string, unknown> }): Promise<{
		id: string;
		name: string;
		type: string;
	}>;
	ensureRedisCredential(options: {
		redisUrl: string;
		name?: string;
		namespace?: string;
		hashSecret?: string;
		extra?: Record<string, unknown>;
	}): Promise<{ id: string; name: string } | undefined>;
}

// orchestration
export interface Launched {
	n8n: N8nHandle;
	api: N8nApi;
	apiKey: string;
	owner: Owner;
	installed?: InstalledPackage;
	state: Record<string, any>;
}
export declare function launchN8n(options: {
	userFolder: string;
	tarball?: string;
	port?: number;
	runnerBrokerPort?: number;
	env?: Env;
	owner?: { email?: string; password?: string };
	n8nVersion?: string;
	timeoutMs?: number;
	portHint?: string;
	log?: Log;
}): Promise<Launched>;

// queue mode
export interface QueueServices {
	redis: { host: string; port: number; db: number; username: string; password: string };
	postgres: { host: string; port: number; user: string; password: string };
}
export declare function queueServicesFromEnv(env?: Record<string, string | undefined>): QueueServices;
export declare function assertRedis(redis: QueueServices['redis']): Promise<void>;
export declare function ensureDatabase(
	postgres: QueueServices['postgres'],
	database: string,
	n8n: { bin: string },
	options?: { fresh?: boolean },
): Promise<boolean>;
export declare function dropDatabase(postgres: QueueServices['postgres'], database: string, n8n: { bin: string }): Promise<void>;
export declare function deleteQueueKeys(redis: QueueServices['redis'], prefix: string, n8n: { bin: string }): Promise<void>;
export declare function queueEnv(options: { services: QueueServices; database: string; prefix: string; encryptionKey: string }): Record<string, string>;
export interface QueueLaunched extends Launched {
	workers: N8nHandle[];
	/** what a worker runs with: start another (or restart one) with startN8n({ command: 'worker', env: workerEnv }) */
	workerEnv: Record<string, string | undefined>;
	database: string;
	prefix: string;
	services: QueueServices;
	/** workers, then the main */
	stop(): Promise<void>;
	/** what runs where, for a person */
	describe(): string;
}
export declare function launchQueueN8n(options: {
	userFolder: string;
	tarball: string;
	workers?: number;
	concurrency?: number;
	database: string;
	freshDatabase?: boolean;
	prefix: string;
	services?: QueueServices;
	port?: number;
	runnerBrokerPort?: number;
	env?: Env;
	workerEnv?: Env;
	owner?: { email?: string; password?: string };
	portHint?: string;
	log?: Log;
}): Promise<QueueLaunched>;
