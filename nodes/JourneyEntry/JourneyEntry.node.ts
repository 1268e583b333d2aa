import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { journeyEntryProperties } from './description';
import { enterJourney } from './enter';

/**
 * Journey Entry: right after a journey's trigger. Applies the re-entry rules, records the entry
 * atomically and adds `journey: { name, entryId, enteredAt, key }`, which Frequency Cap and Wait
 * Until Event key on so that n8n's Retry does not count or wait twice.
 */
export class JourneyEntry implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Entry',
		name: 'journeyEntry',
		icon: { light: 'file:journeyEntry.svg', dark: 'file:journeyEntry.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ {"oncePerContact": "Once per contact", "oncePerKey": "Once per key", "afterPeriod": "Again after " + $parameter["reentryAfterDays"] + " days", "anyTime": "Any time"}[$parameter["reentry"]] }}',
		description: 'Enter contacts into a journey: re-entry rules, who is in the journey now, an entry ID that survives retries',
		defaults: { name: 'Journey Entry' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Entered', 'Not Entered'],
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: journeyEntryProperties,
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await enterJourney(this);
	}
}
