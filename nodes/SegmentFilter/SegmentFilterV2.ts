import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeBaseDescription,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { segmentFilterPropertiesV2 } from './descriptionV2';
import { decideSegments } from './decide';

/** Version 2: n8n's own condition builder in groups, plus behaviour and date conditions. */
export class SegmentFilterV2 implements INodeType {
	description: INodeTypeDescription;

	constructor(baseDescription: INodeTypeBaseDescription) {
		this.description = {
			...baseDescription,
			version: 2,
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
			parameterPane: 'wide',
			properties: segmentFilterPropertiesV2,
		};
	}

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await decideSegments(this, 2);
	}
}
