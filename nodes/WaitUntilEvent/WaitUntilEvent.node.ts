import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { waitUntilEventProperties } from './description';
import { handleResume } from './resume';
import { executeWait } from './wait';

// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete -- a restart webhook of a waiting execution: n8n serves it under /webhook-waiting, there is nothing to register with a third party
export class WaitUntilEvent implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Wait Until Event',
		name: 'waitUntilEvent',
		icon: { light: 'file:waitUntilEvent.svg', dark: 'file:waitUntilEvent.dark.svg' },
		group: ['organization'],
		version: 1,
		subtitle: '={{ "until " + ($parameter["eventNames"] || "an event") }}',
		description: 'Park a contact\'s journey until they do something (an event) or a timeout passes',
		defaults: { name: 'Wait Until Event' },
		inputs: [NodeConnectionTypes.Main],
		// Timed Out must be output 0: on timeout n8n forwards the node's input on its first output
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Timed Out', 'Event Received'],
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				responseData: '',
				path: '={{ $nodeId }}',
				restartWebhook: true,
			},
		],
		properties: waitUntilEventProperties,
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeWait(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleResume(this);
	}
}
