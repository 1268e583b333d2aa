import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { route } from './actions/router';
import { contactProperties, modelProperties, operationProperty, optionProperties } from './description';

/**
 * Lead Score: points from rules in fit and engagement groups, with caps, decay and thresholds
 * that fire once per upward crossing. Routes each item to Qualified or Not qualified and says
 * why in `leadScore`.
 */
export class LeadScore implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Lead Score',
		name: 'leadScore',
		icon: { light: 'file:leadScore.svg', dark: 'file:leadScore.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ {"score": "Score Event", "getScore": "Get Score", "resetGroup": "Reset Group"}[$parameter["operation"]] }}',
		description: 'Score contacts from rules: fit and engagement points, caps, decay, and thresholds that qualify a lead once',
		defaults: { name: 'Lead Score' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Qualified', 'Not Qualified'],
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: [operationProperty, ...modelProperties, ...contactProperties, ...optionProperties],
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route(this);
	}
}
