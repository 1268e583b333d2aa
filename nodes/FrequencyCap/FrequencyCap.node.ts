import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { route } from './actions/router';
import { capProperties, contactProperties, messageKeyProperties, operationProperty, optionProperties, type OperationName } from './description';

/** What each mode's two outputs mean: Record Send and Release check no caps, so nothing is "capped". */
export const OUTPUT_NAMES: Record<OperationName, [string, string]> = {
	checkAndReserve: ['Allowed', 'Capped'],
	check: ['Allowed', 'Capped'],
	record: ['Recorded', 'Not Recorded'],
	release: ['Released', 'Not Released'],
};

/**
 * Frequency Cap: fatigue control across all journeys and channels of a client.
 * Routes each item to Allowed or Capped and says why in `frequencyCap`.
 */
export class FrequencyCap implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Frequency Cap',
		name: 'frequencyCap',
		icon: { light: 'file:frequencyCap.svg', dark: 'file:frequencyCap.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ {"checkAndReserve": "Check and Reserve", "check": "Check Only", "record": "Record Send", "release": "Release"}[$parameter["operation"]] }}',
		description: 'Limit how often a contact gets messages: caps per channel, campaign or tag, minimum gaps and quiet hours',
		defaults: { name: 'Frequency Cap' },
		inputs: [NodeConnectionTypes.Main],
		// output 1 of Record Send and Release only gets items the store could not count or release
		outputs: `={{ (${JSON.stringify(OUTPUT_NAMES)}[$parameter["operation"]] ?? ${JSON.stringify(OUTPUT_NAMES.checkAndReserve)}).map((displayName) => ({ type: "${NodeConnectionTypes.Main}", displayName })) }}`,
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: [operationProperty, ...contactProperties, ...capProperties, ...messageKeyProperties, ...optionProperties],
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route(this);
	}
}
