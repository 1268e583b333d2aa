import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { segmentFilterProperties } from './description';
import { decideSegments } from './decide';

export class SegmentFilter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Segment Filter',
		name: 'segmentFilter',
		icon: { light: 'file:segmentFilter.svg', dark: 'file:segmentFilter.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ {"builder": "Conditions", "rules": "Rules (JSON)", "segment": "Segment: " + $parameter["segment"]}[$parameter["mode"]] }}',
		description: 'Route contacts to Matched or Not Matched by conditions, rules or a saved segment',
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

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await decideSegments(this);
	}
}
