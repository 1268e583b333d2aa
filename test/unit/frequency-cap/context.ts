import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { FrequencyCap } from '../../../nodes/FrequencyCap/FrequencyCap.node';
import { executeContext, type ExecuteContextOptions } from '../helpers/executeContext';

export const node = new FrequencyCap();

export interface CapRunOptions extends Omit<ExecuteContextOptions, 'credentials'> {
	/** what getCredentials('journeyStoreRedisApi') returns */
	credentials?: Record<string, unknown>;
}

/** The Frequency Cap's execute() against a stand-in IExecuteFunctions. */
export function capContext(options: CapRunOptions): IExecuteFunctions {
	const { credentials, ...rest } = options;
	return executeContext({ ...rest, credentials: credentials ? { journeyStoreRedisApi: credentials } : undefined });
}

export async function runCap(options: CapRunOptions): Promise<INodeExecutionData[][]> {
	return await node.execute.call(capContext(options));
}

export const fromItem = (field: string) => (_: number, item: INodeExecutionData) => item.json[field];
