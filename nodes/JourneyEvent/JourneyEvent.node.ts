import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { journeyEventProperties } from './description';
import { route } from './actions/router';

export class JourneyEvent implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Event',
		name: 'journeyEvent',
		icon: { light: 'file:journeyEvent.svg', dark: 'file:journeyEvent.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ {"record": "Record: " + ($parameter["eventName"] || "an event"), "consent": "Update Consent", "subscription": "Subscription", "erase": "Erase Contact", "exitJourney": "Exit Journey"}[$parameter["operation"]] }}',
		description: 'Record contact events (and resume the journeys waiting for them), update consent, unsubscribe, erase, exit journeys',
		defaults: { name: 'Journey Event' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: journeyEventProperties,
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route(this);
	}
}
