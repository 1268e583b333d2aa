import type { INodeProperties } from 'n8n-workflow';
import { storeProperties, countJourneyKpisOption } from '../../lib';

export type ChannelName = 'email' | 'resendEmail' | 'fcmPush' | 'solapiSms' | 'alimTalk' | 'twilioSms' | 'slack' | 'webhook';

export const channelProperty: INodeProperties = {
	displayName: 'Channel',
	name: 'channel',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'AlimTalk (SOLAPI)',
			value: 'alimTalk',
			action: 'Send a Kakao AlimTalk',
			description: 'An information message on Kakao from an approved template, falling back to SMS/LMS',
		},
		{
			name: 'Email (Resend)',
			value: 'resendEmail',
			action: 'Send an email with Resend',
			description: 'One email per item through Resend\'s HTTP API, deduplicated by Resend with the message key',
		},
		{ name: 'Email (SMTP)', value: 'email', action: 'Send an email over SMTP', description: 'One email per item through your SMTP server' },
		{ name: 'Mobile Push (FCM)', value: 'fcmPush', action: 'Send a push notification', description: 'A notification to one device through Firebase Cloud Messaging' },
		{ name: 'Slack', value: 'slack', action: 'Post to Slack', description: 'A message through an incoming webhook or a bot token' },
		{ name: 'SMS (Twilio)', value: 'twilioSms', action: 'Send an SMS with Twilio', description: 'One SMS per item through Twilio, for numbers outside Korea' },
		{ name: 'SMS / LMS (SOLAPI)', value: 'solapiSms', action: 'Send a Korean SMS or LMS', description: 'One text per item to a Korean number: SMS up to 90 bytes, LMS beyond' },
		{
			name: 'Webhook',
			value: 'webhook',
			action: 'Send a signed webhook',
			description: 'POST a JSON body to any URL, signed (Standard Webhooks) with the message key as webhook-ID',
		},
	],
	default: 'email',
};

export const messageProperties: INodeProperties[] = [
	{
		displayName: 'Message Type',
		name: 'messageType',
		type: 'options',
		options: [
			{
				name: 'Transactional',
				value: 'transactional',
				description: 'Receipts, password resets, alerts: sent without marketing consent, but not after an unsubscribe from everything',
			},
			{
				name: 'Marketing (광고)',
				value: 'marketing',
				description: 'Needs the contact\'s consent for the channel and no unsubscribe; the Korean advertising rules apply to Korean recipients',
			},
		],
		default: 'marketing',
	},
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.contactId }}',
		required: true,
		description: 'Who the message goes to: consent, unsubscribes, history and caps are kept per contact',
	},
];

const email = { show: { channel: ['email', 'resendEmail'] } };
/** the same, for options inside a collection: a bare name there is the collection's own field, '/' is the node's */
const emailOption = { show: { '/channel': ['email', 'resendEmail'] } };
const webhook = { show: { channel: ['webhook'] } };

export const emailProperties: INodeProperties[] = [
	{
		displayName: 'To',
		name: 'to',
		type: 'string',
		default: '={{ $json.email }}',
		required: true,
		placeholder: 'name@example.com',
		description: 'The recipient\'s email address',
		displayOptions: email,
	},
	{ displayName: 'Subject', name: 'subject', type: 'string', default: '', required: true, displayOptions: email },
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 5 },
		default: '',
		description: 'The plain-text part (shown by mail clients that do not show HTML)',
		displayOptions: email,
	},
	{
		displayName: 'HTML',
		name: 'html',
		type: 'string',
		typeOptions: { rows: 5 },
		default: '',
		description: 'The HTML part; leave empty for a text-only email',
		displayOptions: email,
	},
];

export const textMessageProperties: INodeProperties[] = [
	{
		displayName: 'Phone Number',
		name: 'phone',
		type: 'string',
		default: '={{ $json.phone }}',
		required: true,
		placeholder: '+14155550100',
		description: 'The contact\'s number with its country code (+E.164)',
		displayOptions: { show: { channel: ['twilioSms', 'solapiSms', 'alimTalk'] } },
	},
	{
		displayName: 'Kakao Channel ID (pfId)',
		name: 'pfId',
		type: 'string',
		default: '',
		required: true,
		description: 'The pfId SOLAPI shows for your Kakao channel',
		displayOptions: { show: { channel: ['alimTalk'] } },
	},
	{ displayName: 'Template ID', name: 'templateId', type: 'string', default: '', required: true, description: 'The approved AlimTalk template', displayOptions: { show: { channel: ['alimTalk'] } } },
	{
		displayName: 'Template Variables',
		name: 'templateVariables',
		type: 'json',
		default: '{}',
		description: 'One entry per #{variable} of the template, e.g. {"#{name}": "Kim"} (values may be expressions)',
		displayOptions: { show: { channel: ['alimTalk'] } },
	},
	{
		displayName: 'SMS Fallback',
		name: 'smsFallback',
		type: 'boolean',
		default: true,
		description: 'Whether to send the text as SMS/LMS when the AlimTalk cannot be delivered',
		displayOptions: { show: { channel: ['alimTalk'] } },
	},
	{
		displayName: 'Slack Channel',
		name: 'slackChannel',
		type: 'string',
		default: '',
		placeholder: '#alerts',
		description: 'For a bot token: the channel name or ID. An incoming webhook posts to its own channel.',
		displayOptions: { show: { channel: ['slack'] } },
	},
	{
		displayName: 'Device Registration ID',
		name: 'registrationId',
		type: 'string',
		default: '={{ $json.fcmToken }}',
		required: true,
		description: 'The FCM registration token of the contact\'s device',
		displayOptions: { show: { channel: ['fcmPush'] } },
	},
	{ displayName: 'Title', name: 'title', type: 'string', default: '', required: true, displayOptions: { show: { channel: ['fcmPush'] } } },
	{
		displayName: 'Text',
		name: 'message',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description: 'For AlimTalk: the SMS/LMS fallback text',
		displayOptions: { show: { channel: ['fcmPush', 'twilioSms', 'solapiSms', 'alimTalk', 'slack'] } },
	},
	{ displayName: 'Image URL', name: 'image', type: 'string', default: '', displayOptions: { show: { channel: ['fcmPush'] } } },
	{
		displayName: 'Deep Link',
		name: 'link',
		type: 'string',
		default: '',
		placeholder: 'myapp://cart',
		description: 'Opened when the notification is tapped (sent as data.link, and as the web push link)',
		displayOptions: { show: { channel: ['fcmPush'] } },
	},
	{
		displayName: 'Data',
		name: 'pushData',
		type: 'json',
		default: '{}',
		description: 'Key-value pairs the app receives with the notification',
		displayOptions: { show: { channel: ['fcmPush'] } },
	},
];

export const webhookProperties: INodeProperties[] = [
	{
		displayName: 'URL',
		name: 'url',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/hooks/journey',
		displayOptions: webhook,
	},
	{
		displayName: 'Body',
		name: 'body',
		type: 'json',
		default: '={{ JSON.stringify($json) }}',
		description: 'The JSON the receiver gets',
		displayOptions: webhook,
	},
];

export const keyProperties: INodeProperties[] = [
	...storeProperties,
	{
		displayName: 'Message Key',
		name: 'messageKey',
		type: 'string',
		default: '',
		placeholder: '={{ $json.orderId }}-receipt',
		description:
			'One message per key, however often n8n retries: a key already sent is not sent again. Empty: the journey entry of the item (its journey.entryId) and this node, else workflow + node + contact + execution + item (stable across Retry On Fail, not across a retried execution).',
	},
];

export const optionProperties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			countJourneyKpisOption,
			{ displayName: 'Campaign', name: 'campaign', type: 'string', default: '', description: 'Recorded with the send (history, caps per campaign)' },
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 200 },
				default: 10,
				description: 'Messages in flight at once per provider account in this n8n process',
			},
			{
				displayName: 'Consent Topic',
				name: 'consentTopic',
				type: 'string',
				default: '',
				placeholder: 'email',
				description: 'The consent topic a marketing message needs (as the Journey Event node records it); empty: the channel',
			},
			{
				displayName: 'Contact Time Zone',
				name: 'timezone',
				type: 'string',
				default: '',
				placeholder: '={{ $json.timezone }}',
				description: 'IANA zone of the contact (quiet hours; Asia/Seoul turns on the Korean rules); empty: the workflow\'s zone',
			},
			{ displayName: 'Count Toward Caps', name: 'countTowardCaps', type: 'boolean', default: true, description: 'Whether to count the send toward Frequency Cap limits (unless a Frequency Cap node already reserved it)' },
			{
				displayName: 'From',
				name: 'from',
				type: 'string',
				default: '',
				placeholder: 'Acme <news@acme.example>',
				description: 'Overrides the credential\'s sender',
				displayOptions: emailOption,
			},
			{
				displayName: 'Global Holdout (%)',
				name: 'globalHoldoutPercent',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 50, numberPrecision: 2 },
				default: 0,
				description:
					'Share of all contacts of this store (client) that get no marketing from any journey, to measure what marketing adds: a contact is placed in or out once, by a hash of its ID, and that decision is recorded with the contact and applies to every Channel Send of the store. Marketing to a contact in it leaves on Not sent with reason global_holdout; transactional messages still go out. Use the same value on every Channel Send; 0 only applies decisions already recorded.',
			},
			{
				displayName: 'Korean Advertising Rules',
				name: 'koreanRules',
				type: 'options',
				options: [
					{ name: 'Automatic (Seoul Time Zone or +82 Number)', value: 'auto' },
					{ name: 'Always', value: 'always' },
					{ name: 'Never', value: 'never' },
				],
				default: 'auto',
				description: 'For marketing: "(광고)" first, a free opt-out line, and night-time (21:00–08:00 KST) consent',
			},
			{
				displayName: 'Max Retry Wait (Seconds)',
				name: 'maxRetryDelaySeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 30,
				description: 'Longest wait between retries, also for a provider\'s Retry-After; longer answers end the retries',
			},
			{
				displayName: 'Opt-Out Line',
				name: 'optOutLine',
				type: 'string',
				default: '',
				placeholder: '무료수신거부 080-123-4567',
				description: 'The free opt-out line the Korean rules add at the end of a marketing message',
			},
			{
				displayName: 'Override Unsubscribe From All',
				name: 'ignoreUnsubscribe',
				type: 'boolean',
				default: false,
				description: 'Whether a transactional message goes out even to a contact who unsubscribed from everything (password resets, legal notices)',
			},
			{
				displayName: 'Quiet Hours',
				name: 'quietHours',
				type: 'fixedCollection',
				default: {},
				options: [
					{
						displayName: 'Window',
						name: 'window',
						values: [
							{ displayName: 'Send From', name: 'from', type: 'string', default: '08:00', description: 'Local time (HH:mm) messages may start' },
							{ displayName: 'Send Until', name: 'until', type: 'string', default: '21:00', description: 'Local time (HH:mm) messages stop' },
							{
								displayName: 'Outside the Window',
								name: 'action',
								type: 'options',
								options: [
									{ name: 'Hold (Not Sent With Retry At)', value: 'hold' },
									{ name: 'Drop (Not Sent)', value: 'drop' },
								],
								default: 'hold',
							},
						],
					},
				],
				description: 'Send only inside this daily window in the contact\'s time zone',
			},
			{
				displayName: 'Reply To',
				name: 'replyTo',
				type: 'string',
				default: '',
				displayOptions: emailOption,
			},
			{
				displayName: 'Resend After Unknown Outcome',
				name: 'resendAfterUnknown',
				type: 'boolean',
				default: false,
				description:
					'Whether to send again when an earlier attempt may or may not have reached the provider (it crashed or timed out mid-call). Off: such items leave on Not sent with reason outcome_unknown. Providers that deduplicate by key (webhook) are always retried.',
			},
			{ displayName: 'Retries', name: 'retries', type: 'number', typeOptions: { minValue: 0, maxValue: 10 }, default: 3, description: 'Extra attempts when the provider answers 429 or 5xx or cannot be reached' },
			{
				displayName: 'Sender Name',
				name: 'senderName',
				type: 'string',
				default: '',
				description: 'The name the Korean rules put right after "(광고)"',
			},
			{ displayName: 'Tags', name: 'tags', type: 'string', default: '', description: 'Comma-separated; recorded with the send (history, caps per tag)' },
			{
				displayName: 'Unsubscribe Endpoint',
				name: 'unsubscribeEndpoint',
				type: 'string',
				default: '',
				placeholder: 'https://n8n.example.com/webhook/journey-events/unsubscribe',
				description:
					'Marketing email: a one-click unsubscribe link per contact to this URL, with an opaque token signed by the Journey Event Signing credential (no address in the link). Overrides Unsubscribe URL.',
				displayOptions: emailOption,
			},
			{
				displayName: 'Unsubscribe URL',
				name: 'unsubscribeUrl',
				type: 'string',
				default: '',
				description: 'Marketing email: sent as List-Unsubscribe with one-click POST (RFC 8058) and as a link at the end of the body',
				displayOptions: emailOption,
			},
			{
				displayName: 'When the Provider Fails',
				name: 'onProviderError',
				type: 'options',
				options: [
					{ name: 'Route to Not Sent', value: 'notSent', description: 'The item leaves on Not sent with reason provider_error' },
					{
						name: 'Fail the Node',
						value: 'error',
						description: 'After the retries, stop with an error so Retry On Fail or a retried execution tries again (a sent message is never sent twice)',
					},
				],
				default: 'notSent',
			},
		],
	},
];
