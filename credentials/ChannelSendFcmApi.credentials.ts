import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A Firebase service account for Channel Send's push channel (FCM HTTP v1). Tested by the
 * node's `channelSendFcmConnectionTest` (signs a JWT and gets an access token).
 */
export class ChannelSendFcmApi implements ICredentialType {
	name = 'channelSendFcmApi';

	displayName = 'Channel Send FCM API';

	icon: Icon = { light: 'file:../nodes/ChannelSend/channelSend.svg', dark: 'file:../nodes/ChannelSend/channelSend.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#channel-send';

	properties: INodeProperties[] = [
		// the key file holds the account's private key
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Service Account JSON',
			name: 'serviceAccount',
			type: 'string',
			typeOptions: { password: true, rows: 6 },
			default: '',
			required: true,
			description: 'The whole key file: Firebase console → Project settings → Service accounts → Generate new private key',
		},
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'https://fcm.googleapis.com', description: 'Change only for a gateway or a test server' },
		{
			displayName: 'OAuth Grant URL',
			name: 'grantUrl',
			type: 'string',
			default: '',
			placeholder: 'https://oauth2.googleapis.com/token',
			description: 'Empty: the token_uri of the key file',
		},
	];
}
