/**
 * A small stand-in for n8n's IExecuteFunctions for unit tests of a node's execute(): items in,
 * parameters (a value, or a function of the item index for expression-like parameters), and
 * continueOnFail. Real n8n behaviour is covered by the e2e tier; this checks our own logic.
 */
import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';

export type ParameterValue = unknown | ((itemIndex: number, item: INodeExecutionData) => unknown);

export interface ExecuteContextOptions {
	items: Array<Record<string, unknown>>;
	parameters: Record<string, ParameterValue>;
	/** raw node parameters as stored in the workflow (e.g. '={{ $json.contactId }}') */
	rawParameters?: Record<string, unknown>;
	continueOnFail?: boolean;
	timezone?: string;
	nodeType?: string;
	executionId?: string;
	/** n8n's execution mode; 'manual' is a run started from the editor */
	mode?: string;
	/** what getCredentials(type) returns, by credential type */
	credentials?: Record<string, Record<string, unknown>>;
}

export function executeContext(options: ExecuteContextOptions): IExecuteFunctions {
	const items: INodeExecutionData[] = options.items.map((json) => ({ json: json as INodeExecutionData['json'] }));
	const node: INode = {
		id: 'node-1',
		name: 'Node Under Test',
		type: options.nodeType ?? 'n8n-nodes-journeys.test',
		typeVersion: 1,
		position: [0, 0],
		parameters: (options.rawParameters ?? {}) as INode['parameters'],
	};
	const ctx = {
		getInputData: () => items,
		getNode: () => node,
		getTimezone: () => options.timezone ?? 'UTC',
		continueOnFail: () => options.continueOnFail ?? false,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => {
			if (!(name in options.parameters)) {
				if (fallback !== undefined) return fallback;
				throw new Error(`test context: parameter "${name}" not set`);
			}
			const value = options.parameters[name];
			return typeof value === 'function' ? (value as (i: number, item: INodeExecutionData) => unknown)(itemIndex, items[itemIndex]) : value;
		},
		getWorkflow: () => ({ id: 'wf-1', name: 'Test Workflow', active: false }),
		getExecutionId: () => options.executionId ?? 'exec-1',
		getMode: () => options.mode ?? 'webhook',
		getCredentials: async (type: string) => {
			const data = options.credentials?.[type];
			if (!data) throw new Error(`test context: no credential of type ${type}`);
			return data;
		},
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: {},
	};
	return ctx as unknown as IExecuteFunctions;
}
