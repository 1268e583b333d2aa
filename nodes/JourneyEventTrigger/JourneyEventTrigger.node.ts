import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { decodeSecret, storeCredentialTest } from '../../lib';
import { journeyEventTriggerProperties } from './description';
import { handleDelivery } from './delivery';

// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete -- n8n hosts this endpoint itself; senders are configured with its URL, there is no third-party subscription to create or delete
export class JourneyEventTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Event Trigger',
		name: 'journeyEventTrigger',
		icon: { light: 'file:journeyEventTrigger.svg', dark: 'file:journeyEventTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "POST /" + $parameter["path"] }}',
		description: 'Receive signed contact events (Standard Webhooks), record them and resume the journeys waiting for them',
		defaults: { name: 'Journey Event Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'journeyEventSigningApi',
				required: true,
				testedBy: 'journeyEventSigningSecretTest',
			},
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
				// the delivery summary (webhookResponse), not n8n's literal "firstEntryJson"
				responseData: '',
				path: '={{ $parameter["path"] }}',
				isFullPath: true,
			},
		],
		properties: journeyEventTriggerProperties,
	};

	methods = {
		credentialTest: {
			...storeCredentialTest,
			async journeyEventSigningSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				const data = credential.data ?? {};
				try {
					decodeSecret(String(data.secret ?? ''));
					if (data.previousSecret) decodeSecret(String(data.previousSecret));
				} catch (error) {
					return { status: 'Error', message: (error as Error).message };
				}
				if (!String(data.secret ?? '').trim().startsWith('whsec_')) {
					return { status: 'Error', message: 'The signing secret should start with "whsec_" (Standard Webhooks format)' };
				}
				return { status: 'OK', message: 'The signing secret is a valid Standard Webhooks secret' };
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery(this);
	}
}
