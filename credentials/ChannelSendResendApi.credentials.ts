import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** A Resend account for Channel Send's HTTP email channel; the test lists the account's domains. */
export class ChannelSendResendApi implements ICredentialType {
	name = 'channelSendResendApi';

	displayName = 'Channel Send Resend API';

	icon: Icon = { light: 'file:../nodes/ChannelSend/channelSend.svg', dark: 'file:../nodes/ChannelSend/channelSend.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#channel-send';

	properties: INodeProperties[] = [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '', required: true, placeholder: 're_…' },
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Acme <news@acme.example>',
			description: 'A sender on a domain verified in Resend (a node can override it)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.resend.com',
			description: 'Change only for a gateway or a test server',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};

	test: ICredentialTestRequest = {
		request: { baseURL: '={{$credentials.baseUrl}}', url: '/domains', method: 'GET' },
	};
}
