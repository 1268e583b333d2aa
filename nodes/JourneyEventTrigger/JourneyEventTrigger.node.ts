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
import { journeyEventSigningSecretTest, storeCredentialTest } from '../../lib';
import { JOURNEY_EVENTS_PICKER_DESCRIPTION, journeyEventTriggerProperties } from './description';
import { handleDelivery } from './delivery';
import { handleUnsubscribe, UNSUBSCRIBE_SUFFIX } from './unsubscribe';

// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete -- n8n hosts this endpoint itself; senders are configured with its URL, there is no third-party subscription to create or delete
export class JourneyEventTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Event Trigger',
		name: 'journeyEventTrigger',
		icon: { light: 'file:journeyEventTrigger.svg', dark: 'file:journeyEventTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ "POST /" + $parameter["path"] }}',
		// n8n's node picker merges Journey Event with this trigger and shows this description for
		// both, so it describes the pair: what the Journey Event node does, and this trigger
		description: JOURNEY_EVENTS_PICKER_DESCRIPTION,
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
			// the one-click unsubscribe link of marketing email (POST records it, GET shows a page with
			// a button); n8n knows only the webhook names 'default' and 'setup'
			{
				name: 'setup',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: `={{ $parameter["path"] + "${UNSUBSCRIBE_SUFFIX}" }}`,
				isFullPath: true,
			},
			{
				name: 'setup',
				httpMethod: 'GET',
				responseMode: 'onReceived',
				path: `={{ $parameter["path"] + "${UNSUBSCRIBE_SUFFIX}" }}`,
				isFullPath: true,
			},
		],
		triggerPanel: {
			header: 'Send a signed test event to the Test URL above',
			executionsHelp: {
				inactive:
					'<b>While testing</b>, POST one event as JSON to the <b>Test URL</b>, e.g. <code>{"contactId": "c-42", "name": "purchase", "properties": {"total": 80}}</code>, with the Standard Webhooks headers <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code> signed with the secret of the Journey Event Signing credential. A refused test delivery shows here with its reason. Test runs use the test store unless <i>Test Runs Use</i> says otherwise.<br /><br /><b>Once the workflow is published</b>, senders POST to the <b>Production URL</b>; every accepted delivery starts an execution, listed under Executions.',
				active:
					'<b>The workflow is published</b>: senders POST signed events to the <b>Production URL</b> and each accepted delivery starts an execution, listed under Executions. To try a delivery here, POST it to the <b>Test URL</b> while this panel listens.',
			},
			activationHint: 'Once you have tried a delivery, publish the workflow so that senders can reach the Production URL.',
		},
		properties: journeyEventTriggerProperties,
	};

	methods = {
		credentialTest: {
			...storeCredentialTest,
			async journeyEventSigningSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				return await journeyEventSigningSecretTest(credential);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		if (this.getWebhookName() === 'setup') return await handleUnsubscribe(this);
		return await handleDelivery(this);
	}
}
