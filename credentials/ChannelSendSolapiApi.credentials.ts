import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A SOLAPI account for Channel Send's Korean SMS/LMS and Kakao AlimTalk channels. Tested by the
 * node's `channelSendSolapiConnectionTest` (a signed balance request).
 */
export class ChannelSendSolapiApi implements ICredentialType {
	name = 'channelSendSolapiApi';

	displayName = 'Channel Send SOLAPI API';

	icon: Icon = { light: 'file:../nodes/ChannelSend/channelSend.svg', dark: 'file:../nodes/ChannelSend/channelSend.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-journeys/n8n-nodes-journeys#channel-send';

	properties: INodeProperties[] = [
		{ displayName: 'API Key', name: 'apiKey', type: 'string', typeOptions: { password: true }, default: '', required: true },
		{ displayName: 'API Secret', name: 'apiSecret', type: 'string', typeOptions: { password: true }, default: '', required: true },
		{
			displayName: 'Sender Number',
			name: 'from',
			type: 'string',
			default: '',
			required: true,
			placeholder: '02-1234-5678',
			description: 'A sender number (발신번호) registered in SOLAPI',
		},
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'https://api.solapi.com', description: 'Change only for a gateway or a test server' },
	];
}
