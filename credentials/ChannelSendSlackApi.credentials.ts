import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * Slack for Channel Send: an incoming webhook URL, or a bot token for chat.postMessage. Tested
 * by the node's `channelSendSlackConnectionTest` (auth.test for a bot token).
 */
export class ChannelSendSlackApi implements ICredentialType {
	name = 'channelSendSlackApi';

	displayName = 'Channel Send Slack API';

	icon: Icon = { light: 'file:../nodes/ChannelSend/channelSend.svg', dark: 'file:../nodes/ChannelSend/channelSend.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#channel-send';

	properties: INodeProperties[] = [
		{
			displayName: 'Connection',
			name: 'connection',
			type: 'options',
			options: [
				{ name: 'Incoming Webhook', value: 'webhook', description: 'Posts to the channel the webhook was created for' },
				{ name: 'Bot Token', value: 'bot', description: 'chat.postMessage to any channel the bot is in' },
			],
			default: 'webhook',
		},
		// anyone holding an incoming webhook URL can post to the channel: it is a secret
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Webhook URL',
			name: 'webhookUrl',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'https://hooks.slack.com/services/…',
			displayOptions: { show: { connection: ['webhook'] } },
		},
		{
			displayName: 'Bot Token',
			name: 'botToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'xoxb-…',
			displayOptions: { show: { connection: ['bot'] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://slack.com/api',
			description: 'Change only for a gateway or a test server',
			displayOptions: { show: { connection: ['bot'] } },
		},
	];
}
