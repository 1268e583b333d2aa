import type { INodeProperties } from 'n8n-workflow';
import { storeProperties } from '../../lib';

/** The node picker's line for Journey Event and this trigger, which it shows as one entry. */
export const JOURNEY_EVENTS_PICKER_DESCRIPTION =
	'Record contact events, consent, unsubscribes and erasure, or receive signed events from other systems (trigger); recorded events resume the journeys waiting for them';

export const journeyEventTriggerProperties: INodeProperties[] = [
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: 'journey-events',
		required: true,
		description:
			'The webhook path: events are POSTed to the n8n webhook URL followed by /webhook/ and this path. The same URL followed by /unsubscribe is the one-click unsubscribe link for Channel Send\'s Unsubscribe Endpoint.',
	},
	{
		displayName:
			'Senders POST to the Test URL while you test here, to the Production URL once the workflow is published. Each delivery is signed in the Standard Webhooks scheme (the webhook-* headers: message ID, timestamp and signature) with the Journey Event Signing credential\'s secret. The body is one event { "contactId", "name", "properties", "occurredAt" } (optionally with its own unique identifier) or a batch { "events": [ … ] }.',
		name: 'formatNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Record Events and Resume Waits',
		name: 'record',
		type: 'boolean',
		default: true,
		description:
			'Whether to record the events in the store (deduplicated by ID) and resume the Wait Until Event nodes they match before the workflow runs. Turn off to only verify and pass the events on.',
	},
	// the store also keeps the delivery ids seen (replay protection), so it shows either way
	...storeProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Timestamp Tolerance (Seconds)',
				name: 'toleranceSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 300,
				description: 'Deliveries whose webhook-timestamp is further from now than this are refused (replay protection)',
			},
			{
				displayName: 'History Limit',
				name: 'historyLimit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 500,
				description: 'Newest events kept per contact',
			},
			{
				displayName: 'Keep History (Days)',
				name: 'historyTtlDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 400,
			},
			{
				displayName: 'Max Events per Delivery',
				name: 'maxEvents',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 1000,
			},
		],
	},
];
