/**
 * Stand-ins for n8n's execute and webhook contexts, enough for the event nodes' own logic
 * (real n8n behaviour is covered by test/e2e). Nodes resolve the process-wide memory store, so
 * every test uses its own contact ids.
 */
import { randomUUID } from 'node:crypto';
import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';

export interface LogLine {
	level: 'debug' | 'info' | 'warn' | 'error';
	message: string;
	meta?: Record<string, unknown>;
}

export function memoryLogger(lines: LogLine[] = []) {
	const at = (level: LogLine['level']) => (message: string, meta?: Record<string, unknown>) => lines.push({ level, message, meta });
	return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface FakeExecuteOptions {
	items: IDataObject[];
	parameters: Record<string, unknown | ((itemIndex: number) => unknown)>;
	executionId?: string;
	nodeId?: string;
	/** when n8n established the execution (journey entry) */
	establishedAt?: number;
	resumeUrl?: string;
	continueOnFail?: boolean;
	timezone?: string;
	/** credential data by credential type (e.g. journeyStoreRedisApi) */
	credentials?: Record<string, Record<string, unknown>>;
	/** n8n's execution mode; 'manual' is a run started from the editor */
	mode?: string;
}

export interface FakeExecute {
	ctx: IExecuteFunctions;
	/** set when the node called putExecutionToWait */
	waitTill?: Date;
	logs: LogLine[];
	/** what the node passed to addExecutionHints */
	hints: Array<{ message: string; type?: string }>;
}

export function fakeExecute(options: FakeExecuteOptions): FakeExecute {
	const executionId = options.executionId ?? String(Math.floor(Math.random() * 1e9));
	const node: INode = {
		id: options.nodeId ?? randomUUID(),
		name: 'Node Under Test',
		type: 'n8n-nodes-journeys.test',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: credentialRefs(options.credentials),
	};
	const items: INodeExecutionData[] = options.items.map((json) => ({ json }));
	const logger = memoryLogger();
	const result: FakeExecute = { ctx: undefined as unknown as IExecuteFunctions, logs: logger.lines, hints: [] };
	const ctx = {
		getInputData: () => items,
		getNode: () => node,
		getTimezone: () => options.timezone ?? 'UTC',
		continueOnFail: () => options.continueOnFail ?? false,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			if (!(name in options.parameters)) return fallback;
			const value = options.parameters[name];
			return typeof value === 'function' ? (value as (i: number) => unknown)(itemIndex) : value;
		},
		getWorkflow: () => ({ id: 'wf-1', name: 'Test Workflow', active: true }),
		getExecutionId: () => executionId,
		getMode: () => options.mode ?? 'webhook',
		getExecutionContext: () => (options.establishedAt === undefined ? undefined : { version: 1, establishedAt: options.establishedAt, source: 'webhook' }),
		evaluateExpression: (expression: string) => {
			if (expression.includes('$execution.resumeUrl')) {
				return options.resumeUrl ?? `http://127.0.0.1:5678/webhook-waiting/${executionId}?signature=tok`;
			}
			throw new Error(`fake context: cannot evaluate ${expression}`);
		},
		getCredentials: async (type: string) => {
			const data = options.credentials?.[type];
			if (!data) throw new Error(`fake context: no credential ${type}`);
			return data;
		},
		putExecutionToWait: async (date: Date) => {
			result.waitTill = date;
		},
		addExecutionHints: (...hints: Array<{ message: string; type?: string }>) => {
			result.hints.push(...hints);
		},
		logger,
		helpers: {},
	};
	result.ctx = ctx as unknown as IExecuteFunctions;
	return result;
}

export interface FakeResponse {
	status?: number;
	body?: unknown;
	headers?: Record<string, string>;
	/** what the node wrote with res.end (e.g. an HTML page) */
	text?: string;
}

export interface FakeWebhookOptions {
	body: unknown;
	headers?: Record<string, string>;
	rawBody?: Buffer;
	parameters: Record<string, unknown>;
	credentials?: Record<string, unknown>;
	executionId?: string;
	nodeId?: string;
	workflowId?: string;
	/** credential data by credential type, besides the signing secret in `credentials` */
	storeCredentials?: Record<string, Record<string, unknown>>;
	/** n8n's execution mode; 'manual' is a test webhook */
	mode?: string;
	/** which of the node's webhooks was called (getWebhookName) */
	webhookName?: string;
	method?: string;
	query?: Record<string, unknown>;
}

export function fakeWebhook(options: FakeWebhookOptions): { ctx: IWebhookFunctions; response: FakeResponse; logs: LogLine[] } {
	const response: FakeResponse = {};
	const node: INode = {
		id: options.nodeId ?? 'node-1',
		name: 'Node Under Test',
		type: 'n8n-nodes-journeys.test',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: credentialRefs(options.storeCredentials),
	};
	const res = {
		status(code: number) {
			response.status = code;
			return res;
		},
		json(body: unknown) {
			response.body = body;
			return res;
		},
		setHeader(name: string, value: string) {
			response.headers = { ...response.headers, [name.toLowerCase()]: value };
			return res;
		},
		end(text?: string) {
			response.text = text;
			return res;
		},
	};
	const logger = memoryLogger();
	const ctx = {
		getBodyData: () => options.body,
		getHeaderData: () => options.headers ?? {},
		getRequestObject: () => ({ method: options.method ?? 'POST', body: options.body, headers: options.headers ?? {}, rawBody: options.rawBody, query: options.query ?? {} }),
		getQueryData: () => options.query ?? {},
		getWebhookName: () => options.webhookName ?? 'default',
		getResponseObject: () => res,
		getNode: () => node,
		getWorkflow: () => ({ id: options.workflowId ?? 'wf-1', name: 'Test Workflow', active: true }),
		getExecutionId: () => options.executionId ?? 'exec-1',
		getMode: () => options.mode ?? 'webhook',
		getNodeParameter: (name: string, fallback?: unknown) => (name in options.parameters ? options.parameters[name] : fallback),
		getCredentials: async (type: string) => {
			if (type === 'journeyEventSigningApi' && options.credentials) return options.credentials;
			const data = options.storeCredentials?.[type];
			if (data) return data;
			throw new Error(`fake context: no credential ${type}`);
		},
		logger,
	};
	return { ctx: ctx as unknown as IWebhookFunctions, response, logs: logger.lines };
}

/** The node's credential references (what n8n shows as the credential's name). */
function credentialRefs(credentials?: Record<string, Record<string, unknown>>): INode['credentials'] {
	if (!credentials) return undefined;
	return Object.fromEntries(Object.keys(credentials).map((type) => [type, { id: `${type}-1`, name: `Test ${type}` }]));
}

/** Wait Until Event's parameters: wait one hour for "purchase", since the journey entry. */
export function waitParameters(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		store: 'memory',
		eventNames: 'purchase',
		correlate: false,
		conditions: '',
		timeoutType: 'duration',
		timeoutAmount: 1,
		timeoutUnit: 'hours',
		since: 'journeyEntry',
		options: {},
		...overrides,
	};
}
