import type { INodeProperties } from 'n8n-workflow';
import { storeProperties, countJourneyKpisOption } from '../../lib';

export type OperationName = 'checkAndReserve' | 'check' | 'record' | 'release';

const CAPPING: OperationName[] = ['checkAndReserve', 'check'];
const SENDING: OperationName[] = ['checkAndReserve', 'check', 'record'];
const COUNTING: OperationName[] = ['checkAndReserve', 'record'];
const CALENDAR = ['day', 'week', 'month'];

export const operationProperty: INodeProperties = {
	displayName: 'Mode',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Check and Reserve',
			value: 'checkAndReserve',
			action: 'Check caps and reserve a slot',
			description: 'Let the message through only if every cap allows it, and count it in the same atomic step',
		},
		{
			name: 'Check Only',
			value: 'check',
			action: 'Check caps without counting',
			description: 'Say whether a message would be allowed now, without counting it',
		},
		{
			name: 'Record Send',
			value: 'record',
			action: 'Record a send made elsewhere',
			description:
				'Count a message sent by another system or path, without checking caps. Outputs: Recorded (also when the key was counted before), Not Recorded (the store was unavailable).',
		},
		{
			name: 'Release',
			value: 'release',
			action: 'Release a reserved slot',
			description:
				'Give a reserved slot back, e.g. when the send failed. Outputs: Released (also when the key held no slot: reason not_reserved), Not Released (the store was unavailable).',
		},
	],
	default: 'checkAndReserve',
};

export const contactProperties: INodeProperties[] = [
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.contactId }}',
		required: true,
		description: 'Who the message goes to; caps count per contact across all journeys and channels',
	},
	{
		displayName: 'Channel',
		name: 'channel',
		type: 'string',
		default: '={{ $json.channel }}',
		placeholder: 'email',
		description: 'The message\'s channel (email, sms, push, kakao…), for caps that count per channel',
		displayOptions: { show: { operation: SENDING } },
	},
	{
		displayName: 'Campaign',
		name: 'campaign',
		type: 'string',
		default: '={{ $json.campaign }}',
		description: 'The message\'s campaign, for caps that count per campaign',
		displayOptions: { show: { operation: SENDING } },
	},
	{
		displayName: 'Tags',
		name: 'tags',
		type: 'string',
		default: '',
		placeholder: 'promotional, newsletter',
		description:
			'The message\'s tags (not the contact\'s): names separated by commas, or an expression giving a list. Caps can count per tag. Empty: the message has no tags.',
		displayOptions: { show: { operation: SENDING } },
	},
	{
		displayName: 'Contact Time Zone',
		name: 'timezone',
		type: 'string',
		default: '={{ $json.timezone }}',
		description:
			'IANA zone (e.g. Asia/Seoul) for calendar windows and quiet hours; empty uses the fallback zone in Options',
		displayOptions: { show: { operation: CAPPING } },
	},
];

export const capProperties: INodeProperties[] = [
	{
		displayName: 'Caps',
		name: 'caps',
		type: 'fixedCollection',
		placeholder: 'Add Cap',
		typeOptions: { multipleValues: true, sortable: true },
		default: { cap: [{ type: 'limit', scope: 'all', maxMessages: 3, window: 'rolling', amount: 7, unit: 'days' }] },
		description: 'All caps must allow the message; the most restrictive one decides',
		displayOptions: { show: { operation: CAPPING } },
		options: [
			{
				displayName: 'Cap',
				name: 'cap',
				values: [
					{
						displayName: 'Cap Type',
						name: 'type',
						type: 'options',
						options: [
							{ name: 'Messages per Window', value: 'limit', description: 'At most N messages in a time window' },
							{ name: 'Minimum Gap', value: 'gap', description: 'At least this long between two messages' },
						],
						default: 'limit',
					},
					{
						displayName: 'Counting',
						name: 'scope',
						type: 'options',
						options: [
							{ name: 'All Channels', value: 'all', description: 'Every message to the contact' },
							{ name: 'This Channel', value: 'channel', description: 'Messages on the item\'s channel' },
							{ name: 'This Campaign', value: 'campaign', description: 'Messages of the item\'s campaign' },
							{ name: 'A Tag', value: 'tag', description: 'Messages carrying a tag' },
						],
						default: 'all',
						description: 'Which messages the cap counts',
					},
					{
						displayName: 'Counting Period',
						name: 'window',
						type: 'options',
						options: [
							{ name: 'Rolling Window', value: 'rolling', description: 'The last N seconds/minutes/hours/days (set its Length below)' },
							{ name: 'Calendar Day', value: 'day', description: 'Since midnight in the contact\'s time zone' },
							{ name: 'Calendar Week', value: 'week', description: 'Since Monday 00:00 in the contact\'s time zone' },
							{ name: 'Calendar Month', value: 'month', description: 'Since the 1st in the contact\'s time zone' },
						],
						default: 'rolling',
						displayOptions: { show: { type: ['limit'] } },
					},
					{
						displayName: 'Length',
						name: 'amount',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 7,
						description: 'How long the rolling window or the minimum gap is (1 second to 30 days)',
						displayOptions: { hide: { window: CALENDAR } },
					},
					{
						displayName: 'Length Unit',
						name: 'unit',
						type: 'options',
						options: [
							{ name: 'Seconds', value: 'seconds' },
							{ name: 'Minutes', value: 'minutes' },
							{ name: 'Hours', value: 'hours' },
							{ name: 'Days', value: 'days' },
						],
						default: 'days',
						displayOptions: { hide: { window: CALENDAR } },
					},
					{
						displayName: 'Max Messages',
						name: 'maxMessages',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 3,
						description: 'At most this many messages in the window (0 pauses every message)',
						displayOptions: { show: { type: ['limit'] } },
					},
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'weekly promo cap',
						description: 'Shown as "rule" on capped items; empty describes the cap',
					},
					{
						displayName: 'Tag',
						name: 'tag',
						type: 'string',
						default: '',
						placeholder: 'promotional',
						description: 'The tag counted; empty counts each tag of the message separately',
						displayOptions: { show: { scope: ['tag'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Quiet Hours',
		name: 'quietHours',
		type: 'boolean',
		default: false,
		description: 'Whether to send only inside a daily window in the contact\'s time zone; outside it items are capped until it opens',
		displayOptions: { show: { operation: CAPPING } },
	},
	{
		displayName: 'Send From',
		name: 'sendFrom',
		type: 'string',
		default: '08:00',
		placeholder: '08:00',
		description: 'Local time (HH:mm, 24-hour) quiet hours end and sending may start',
		displayOptions: { show: { operation: CAPPING, quietHours: [true] } },
	},
	{
		displayName: 'Send Until',
		name: 'sendUntil',
		type: 'string',
		default: '21:00',
		placeholder: '21:00',
		description: 'Local time (HH:mm) sending stops and quiet hours begin; earlier than Send From means sending runs past midnight',
		displayOptions: { show: { operation: CAPPING, quietHours: [true] } },
	},
	{
		displayName: 'Transactional (Bypass Caps)',
		name: 'bypass',
		type: 'boolean',
		default: false,
		description:
			'Whether the message skips every cap and quiet hours (password resets, receipts); use an expression to decide per item',
		displayOptions: { show: { operation: CAPPING } },
	},
	{
		displayName: 'Still Counts Toward Caps',
		name: 'bypassCounts',
		type: 'boolean',
		default: true,
		description: 'Whether a bypassing message is still counted, so marketing messages after it see it',
		displayOptions: { show: { operation: ['checkAndReserve'], bypass: [true] } },
	},
];

export const messageKeyProperties: INodeProperties[] = [
	{
		displayName: 'Message Key',
		name: 'messageKey',
		type: 'string',
		default: '',
		description:
			'Makes retries safe: one key takes at most one slot however often it is submitted. Empty uses workflow + node + contact + journey entry when a Journey Entry node set journey.entryId on the item (stable across n8n\'s Retry of the execution); without one, workflow + node + execution + item, which is stable only across retries of this node.',
		displayOptions: { show: { operation: COUNTING } },
	},
	{
		displayName: 'Message Key',
		name: 'messageKey',
		type: 'string',
		default: '={{ $json.frequencyCap?.messageKey }}',
		required: true,
		description:
			'The key the slot was reserved with. The reserving Frequency Cap writes it to frequencyCap.messageKey on its items; after other nodes, read it from that node\'s item.',
		displayOptions: { show: { operation: ['release'] } },
	},
];

export const optionProperties: INodeProperties[] = [
	...storeProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			countJourneyKpisOption,
			{
				displayName: 'Decision Timeout',
				name: 'decisionTimeoutMs',
				type: 'number',
				typeOptions: { minValue: 10 },
				default: 1000,
				description: 'Longest wait for the store, in milliseconds; after it the store-down policy decides',
			},
			{
				displayName: 'Fallback Time Zone',
				name: 'fallbackTimezone',
				type: 'string',
				default: '',
				placeholder: 'Asia/Seoul',
				description: 'Zone for contacts without one; empty uses the workflow\'s time zone',
			},
			{
				displayName: 'Invalid Contact Time Zone',
				name: 'onInvalidTimezone',
				type: 'options',
				options: [
					{
						name: 'Fail the Item',
						value: 'error',
						description: 'Stop with an error naming the item and the zone (or pass the error on with Continue On Fail)',
					},
					{
						name: 'Use the Fallback Zone and Flag the Item',
						value: 'fallback',
						description: 'Decide in the fallback zone; the item gets frequencyCap.timezoneFallback = true and the bad value in invalidTimezone',
					},
				],
				default: 'error',
				description: 'What to do when Contact Time Zone is not an IANA zone such as Asia/Seoul',
			},
			{
				displayName: 'When the Store Is Unavailable',
				name: 'onStoreUnavailable',
				type: 'options',
				options: [
					{
						name: 'Fail Closed (Capped)',
						value: 'failClosed',
						description: 'Send nothing: items go to Capped with reason store_unavailable',
					},
					{
						name: 'Fail Open (Allowed)',
						value: 'failOpen',
						description: 'Send anyway: items go to Allowed with reason store_unavailable, uncounted',
					},
					{ name: 'Error', value: 'error', description: 'Stop the execution with an error' },
				],
				default: 'failClosed',
			},
		],
	},
];
