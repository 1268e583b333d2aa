import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { segmentFilterProperties } from './description';
import { decideSegments } from './decide';

/** Version 1: rows of field · operator · value with group numbers. Kept for saved workflows. */
export class SegmentFilterV1 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			version: 1,
			defaults: { name: 'Segment Filter' },
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
			outputNames: ['Matched', 'Not Matched'],
			usableAsTool: true,
			// event conditions read the contact's events from the store the "Store" parameter names
			credentials: [
				{
					name: 'journeyStoreRedisApi',
					required: true,
					displayOptions: { show: { store: ['redis'] } },
					testedBy: 'journeyStoreRedisConnectionTest',
				},
			],
			properties: segmentFilterProperties,
		};
	}

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await decideSegments(this, 1);
	}
}
