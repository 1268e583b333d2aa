import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/** A Twilio account for Channel Send's SMS channel (numbers outside Korea); the test reads the account. */
export class ChannelSendTwilioApi implements ICredentialType {
	name = 'channelSendTwilioApi';

	displayName = 'Channel Send Twilio API';

	icon: Icon = { light: 'file:../nodes/ChannelSend/channelSend.svg', dark: 'file:../nodes/ChannelSend/channelSend.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#channel-send';

	properties: INodeProperties[] = [
		{ displayName: 'Account SID', name: 'accountSid', type: 'string', default: '', required: true, placeholder: 'AC…' },
		{ displayName: 'Auth Token', name: 'authToken', type: 'string', typeOptions: { password: true }, default: '', required: true },
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			default: '',
			required: true,
			placeholder: '+14155550100',
			description: 'A Twilio number in +E.164 form, or a Messaging Service SID (MG…)',
		},
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'https://api.twilio.com', description: 'Change only for a gateway or a test server' },
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { auth: { username: '={{$credentials.accountSid}}', password: '={{$credentials.authToken}}' } },
	};

	test: ICredentialTestRequest = {
		request: { baseURL: '={{$credentials.baseUrl}}', url: '=/2010-04-01/Accounts/{{$credentials.accountSid}}.json', method: 'GET' },
	};
}
