import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { FrequencyCap } from '../../../nodes/FrequencyCap/FrequencyCap.node';
import { executeContext, type ExecuteContextOptions } from '../helpers/executeContext';

export const node = new FrequencyCap();

export interface CapRunOptions extends ExecuteContextOptions {
	/** what getCredentials('journeyStoreRedisApi') returns */
	credentials?: Record<string, unknown>;
	executionId?: string;
}

/** The Frequency Cap's execute() against a stand-in IExecuteFunctions. */
export function capContext(options: CapRunOptions): IExecuteFunctions {
	const ctx = executeContext(options) as unknown as Record<string, unknown>;
	return {
		...ctx,
		getExecutionId: () => options.executionId ?? 'exec-1',
		getCredentials: async (type: string) => {
			if (type !== 'journeyStoreRedisApi' || !options.credentials) throw new Error(`no credential of type ${type}`);
			return options.credentials;
		},
	} as unknown as IExecuteFunctions;
}

export async function runCap(options: CapRunOptions): Promise<INodeExecutionData[][]> {
	return await node.execute.call(capContext(options));
}

export const fromItem = (field: string) => (_: number, item: INodeExecutionData) => item.json[field];
