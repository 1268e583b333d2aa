import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The Standard Webhooks signing secret the Journey Event Trigger verifies deliveries with
 * (`whsec_` + base64 key, as Svix, Resend, Clerk and the Standard Webhooks libraries issue
 * them). Tested by the trigger's `journeyEventSigningSecretTest` (format and key length; a
 * secret has no server to call), which also hands out a new secret, so nobody needs a shell.
 */
export class JourneyEventSigningApi implements ICredentialType {
	name = 'journeyEventSigningApi';

	displayName = 'Journey Event Signing API';

	icon: Icon = {
		light: 'file:../nodes/JourneyEventTrigger/journeyEventTrigger.svg',
		dark: 'file:../nodes/JourneyEventTrigger/journeyEventTrigger.dark.svg',
	};

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#journey-event-trigger';

	properties: INodeProperties[] = [
		{
			displayName:
				'No secret yet? Leave Signing Secret empty and click Save: the connection test answers with a new random secret. Paste it here, save again, and give the same secret to the system that sends the events.',
			name: 'howToCreateNotice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Signing Secret',
			name: 'secret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
			description:
				'The Standard Webhooks secret shared with the sender: "whsec_" followed by a base64 key of at least 16 bytes, as Svix, Resend or Clerk issue them. Empty: saving shows a new one to paste.',
		},
		{
			displayName: 'Previous Signing Secret',
			name: 'previousSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'While rotating: the old secret, also accepted until every sender uses the new one. Leave empty otherwise.',
		},
	];
}
