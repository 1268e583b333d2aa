import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * An SMTP account for Channel Send's email channel. Tested by the node's
 * `channelSendSmtpConnectionTest` (connect, STARTTLS, log in): SMTP is not HTTP.
 */
export class ChannelSendSmtpApi implements ICredentialType {
	name = 'channelSendSmtpApi';

	displayName = 'Channel Send SMTP API';

	icon: Icon = { light: 'file:../nodes/ChannelSend/channelSend.svg', dark: 'file:../nodes/ChannelSend/channelSend.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#channel-send';

	properties: INodeProperties[] = [
		{ displayName: 'Host', name: 'host', type: 'string', default: '', required: true, placeholder: 'smtp.example.com' },
		{ displayName: 'Port', name: 'port', type: 'number', default: 587, description: '587 for STARTTLS, 465 for TLS, 25 for a local relay' },
		{
			displayName: 'Security',
			name: 'security',
			type: 'options',
			options: [
				{ name: 'STARTTLS (Port 587)', value: 'starttls', description: 'Connect in plain text, then require the upgrade to TLS' },
				{ name: 'TLS (Port 465)', value: 'tls', description: 'TLS from the first byte' },
				{ name: 'None', value: 'none', description: 'Plain text: only for a relay on the same host or network' },
			],
			default: 'starttls',
		},
		{ displayName: 'User', name: 'user', type: 'string', default: '', description: 'Leave empty for a relay without login' },
		{ displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '' },
		{
			displayName: 'From',
			name: 'from',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'Acme <news@acme.example>',
			description: 'The sender of every email sent with this account (a node can override it)',
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description: 'Whether to accept a certificate no public authority signed (an on-premise relay)',
		},
	];
}
