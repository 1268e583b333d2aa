import type { INodeProperties } from 'n8n-workflow';
import { storeProperties } from '../../lib';

const show = (...operation: string[]) => ({ show: { operation } });

/** The Exit Journey operation's parameters (the Contact ID and Store are shared with the other operations). */
const exitJourneyProperties: INodeProperties[] = [
	{
		displayName: 'Journey Name',
		name: 'journeyName',
		type: 'string',
		default: '',
		placeholder: 'cart-abandonment',
		displayOptions: show('exitJourney'),
		description: 'The journey to leave, as named on its Journey Entry node. Empty uses this workflow\'s name (Journey Entry\'s default).',
	},
	{
		displayName: 'Entry Key',
		name: 'exitEntryKey',
		type: 'string',
		default: '={{ $json.journey?.key ?? "" }}',
		displayOptions: show('exitJourney'),
		description: 'Only end the entry with this key (e.g. this cart); empty ends every entry of the contact in the journey',
	},
	{
		displayName: 'The contact is then no longer in the journey: with "While Already in the Journey: Refuse" they may enter again, as the Re-Entry rule allows. Put Exit Journey at the end of every branch of a journey.',
		name: 'exitJourneyNotice',
		type: 'notice',
		default: '',
		displayOptions: show('exitJourney'),
	},
];

export const journeyEventProperties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		// eslint-disable-next-line n8n-nodes-base/node-param-options-type-unsorted-items -- the most used operation first, Exit Journey last beside Erase
		options: [
			{
				name: 'Record Event',
				value: 'record',
				action: 'Record an event',
				description: 'Add the event to the contact\'s history (deduplicated by ID) and resume the journeys waiting for it',
			},
			{
				name: 'Update Consent',
				value: 'consent',
				action: 'Update consent',
				description: 'Record the contact\'s consent decisions (per channel or purpose); the latest decision wins',
			},
			{
				name: 'Unsubscribe or Resubscribe',
				value: 'subscription',
				action: 'Unsubscribe or resubscribe',
				description:
					'Mark the contact as unsubscribed from (or subscribed again to) channels or all channels. Channel Send skips unsubscribed contacts (it reads this store); a send from any other node is not checked.',
			},
			{
				name: 'Erase Contact',
				value: 'erase',
				action: 'Erase a contact',
				description: 'Remove everything the store holds about the contact: events, caps, waits, consent, journey entries',
			},
			{
				name: 'Exit Journey',
				value: 'exitJourney',
				action: 'Exit a journey',
				description: 'End the contact\'s pass through a journey (put it at the end of every branch), so they may enter again',
			},
		],
		default: 'record',
	},
	...storeProperties,
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.contactId }}',
		required: true,
		description: 'The contact the event or change is about',
	},
	// record
	{
		displayName: 'Event ID',
		name: 'eventId',
		type: 'string',
		default: '',
		placeholder: '{{ $json.orderId }}',
		displayOptions: show('record'),
		description:
			'Unique ID of the event; recording the same ID again is ignored, so retries never count twice. Empty: an ID made from the workflow, execution, node and item, the same when n8n retries this node.',
	},
	{
		displayName: 'Event Name',
		name: 'eventName',
		type: 'string',
		default: '',
		required: true,
		displayOptions: show('record'),
		placeholder: 'purchase',
		description: 'What the contact did, e.g. purchase or cart_abandoned. Type it, or drag in the input field that holds it.',
	},
	{
		displayName: 'Properties',
		name: 'properties',
		type: 'json',
		default: '={{ $json.properties ?? {} }}',
		displayOptions: show('record'),
		description: 'Event properties (an object), e.g. { "cartId": "c-42", "total": 80 }',
	},
	{
		displayName: 'Occurred At',
		name: 'occurredAt',
		type: 'string',
		default: '',
		placeholder: '{{ $json.occurredAt }}',
		displayOptions: show('record', 'consent', 'subscription'),
		description: 'When it happened: ISO 8601 (2026-01-31T09:00:00Z) or epoch milliseconds; empty means now',
	},
	// consent
	{
		displayName: 'Consent Changes',
		name: 'consentChanges',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Consent Change',
		default: { changes: [{ topic: 'email', granted: true }] },
		displayOptions: show('consent'),
		options: [
			{
				displayName: 'Change',
				name: 'changes',
				values: [
					{
						displayName: 'Topic',
						name: 'topic',
						type: 'string',
						default: 'email',
						description: 'A channel (email, sms, push, kakao) or a purpose (marketing, night for Korean night-time advertising)',
					},
					{
						displayName: 'Granted',
						name: 'granted',
						type: 'boolean',
						default: true,
						description: 'Whether the contact gave (true) or withdrew (false) consent',
					},
				],
			},
		],
	},
	// subscription
	{
		displayName: 'Action',
		name: 'subscriptionAction',
		type: 'options',
		options: [
			{ name: 'Unsubscribe', value: 'unsubscribe' },
			{ name: 'Resubscribe', value: 'resubscribe' },
		],
		default: 'unsubscribe',
		displayOptions: show('subscription'),
	},
	{
		displayName: 'Channels',
		name: 'channels',
		type: 'string',
		default: 'all',
		displayOptions: show('subscription'),
		description: 'Comma-separated channels (email, sms, push, kakao, webhook, slack), or "all"',
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'string',
		default: '',
		placeholder: 'preference-center',
		displayOptions: show('consent', 'subscription'),
		description: 'Where the decision came from, kept with it for audits',
	},
	{
		displayName: 'Erasing removes the contact\'s events, cap counters, waits, consent state, journey entries and lead scores from the store. Journeys already waiting in n8n keep their own copy of the item until they end.',
		name: 'eraseNotice',
		type: 'notice',
		default: '',
		displayOptions: show('erase'),
	},
	...exitJourneyProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: show('record', 'consent', 'subscription'),
		options: [
			{
				displayName: 'Generate Missing Event IDs',
				name: 'generateIds',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/operation': ['record'] } },
				description: 'Whether to give events with an empty Event ID a random ID instead of one made from the execution and item (random IDs are not deduplicated when n8n retries)',
			},
			{
				displayName: 'History Limit',
				name: 'historyLimit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 500,
				displayOptions: { show: { '/operation': ['record'] } },
				description: 'Newest events kept per contact; older ones are dropped',
			},
			{
				displayName: 'Keep History (Days)',
				name: 'historyTtlDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 400,
				displayOptions: { show: { '/operation': ['record'] } },
				description: 'How long a contact\'s history lives after their last event',
			},
			{
				displayName: 'Keep State (Days)',
				name: 'stateTtlDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 1825,
				displayOptions: { show: { '/operation': ['consent', 'subscription'] } },
				description: 'How long consent and unsubscribes are kept after the last change (default 5 years)',
			},
			{
				displayName: 'Resume Waiting Journeys',
				name: 'resumeWaits',
				type: 'boolean',
				default: true,
				displayOptions: { show: { '/operation': ['record'] } },
				description: 'Whether to resume the Wait Until Event nodes whose match the event satisfies',
			},
		],
	},
];
