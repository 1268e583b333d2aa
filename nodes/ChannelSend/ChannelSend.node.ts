import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { fcmAccessToken, parseFcmConfig, parseSlackConfig, parseSmtpConfig, parseSolapiConfig, verifySolapi, signingCredentialProblem, storeCredentialTest, verifySlack, verifySmtp } from '../../lib';
import { route } from './actions/router';
import { channelProperty, emailProperties, keyProperties, messageProperties, optionProperties, textMessageProperties, webhookProperties } from './description';

/**
 * Channel Send: one message per item on one channel through a real provider, after the checks a
 * marketing sender must make, and never twice for one message key however n8n retries it.
 */
export class ChannelSend implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Channel Send',
		name: 'channelSend',
		icon: { light: 'file:channelSend.svg', dark: 'file:channelSend.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ {"email": "Email (SMTP)", "resendEmail": "Email (Resend)", "fcmPush": "Mobile Push (FCM)", "solapiSms": "SMS / LMS (SOLAPI)", "alimTalk": "AlimTalk (SOLAPI)", "twilioSms": "SMS (Twilio)", "slack": "Slack", "webhook": "Webhook"}[$parameter["channel"]] + " · " + $parameter["messageType"] }}',
		description: 'Send an email, SMS, AlimTalk, push, Slack message or signed webhook to a contact once, with consent, unsubscribe and Korean advertising checks',
		defaults: { name: 'Channel Send' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Not Sent'],
		usableAsTool: true,
		credentials: [
			{ name: 'channelSendSmtpApi', required: true, displayOptions: { show: { channel: ['email'] } }, testedBy: 'channelSendSmtpConnectionTest' },
			{ name: 'channelSendResendApi', required: true, displayOptions: { show: { channel: ['resendEmail'] } } },
			{ name: 'channelSendFcmApi', required: true, displayOptions: { show: { channel: ['fcmPush'] } }, testedBy: 'channelSendFcmConnectionTest' },
			{
				name: 'channelSendSolapiApi',
				required: true,
				displayOptions: { show: { channel: ['solapiSms', 'alimTalk'] } },
				testedBy: 'channelSendSolapiConnectionTest',
			},
			{ name: 'channelSendTwilioApi', required: true, displayOptions: { show: { channel: ['twilioSms'] } } },
			{ name: 'channelSendSlackApi', required: true, displayOptions: { show: { channel: ['slack'] } }, testedBy: 'channelSendSlackConnectionTest' },
			{
				// signs webhooks; for email, the one-click unsubscribe links (Options → Unsubscribe Endpoint)
				name: 'journeyEventSigningApi',
				required: false,
				displayOptions: { show: { channel: ['webhook', 'email', 'resendEmail'] } },
				testedBy: 'journeyEventSigningSecretTest',
			},
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: [channelProperty, ...messageProperties, ...emailProperties, ...textMessageProperties, ...webhookProperties, ...keyProperties, ...optionProperties],
	};

	methods = {
		credentialTest: {
			...storeCredentialTest,
			async channelSendSmtpConnectionTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				let config;
				try {
					config = parseSmtpConfig((credential.data ?? {}) as Record<string, unknown>);
				} catch (error) {
					return { status: 'Error', message: (error as Error).message };
				}
				const result = await verifySmtp(config);
				return { status: result.ok ? 'OK' : 'Error', message: result.message };
			},
			async channelSendSlackConnectionTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				let config;
				try {
					config = parseSlackConfig((credential.data ?? {}) as Record<string, unknown>);
				} catch (error) {
					return { status: 'Error', message: (error as Error).message };
				}
				const result = await verifySlack(config);
				return { status: result.ok ? 'OK' : 'Error', message: result.message };
			},
			async channelSendFcmConnectionTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				try {
					const config = parseFcmConfig((credential.data ?? {}) as Record<string, unknown>);
					await fcmAccessToken(config);
					return { status: 'OK', message: `Signed in as ${config.clientEmail}` };
				} catch (error) {
					return { status: 'Error', message: (error as Error).message };
				}
			},
			async channelSendSolapiConnectionTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				let config;
				try {
					config = parseSolapiConfig((credential.data ?? {}) as Record<string, unknown>);
				} catch (error) {
					return { status: 'Error', message: (error as Error).message };
				}
				const result = await verifySolapi(config);
				return { status: result.ok ? 'OK' : 'Error', message: result.message };
			},
			async journeyEventSigningSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
			): Promise<INodeCredentialTestResult> {
				const problem = signingCredentialProblem((credential.data ?? {}) as Record<string, unknown>);
				return problem ? { status: 'Error', message: problem } : { status: 'OK', message: 'The signing secret is a valid Standard Webhooks secret' };
			},
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await route(this);
	}
}
