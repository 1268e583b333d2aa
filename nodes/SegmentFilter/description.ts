import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { builderOperators, listSegments, storeProperties, countJourneyKpisOption } from '../../lib';
import { contactProperties } from './contactProperties';
import { rulesOperatorsNotice } from './descriptionV2';

const segmentOptions: INodePropertyOptions[] = listSegments().map((segment) => ({
	name: segment.name,
	value: segment.name,
	description: segment.description,
}));

export const segmentFilterProperties: INodeProperties[] = [
	{
		displayName: 'Define Segment By',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Conditions (Builder)',
				value: 'builder',
				description: 'Rows of field · operator · value',
			},
			{
				name: 'Rules (JSON)',
				value: 'rules',
				description: 'A JSON-rules-engine condition tree with nested all / any / not',
			},
			{
				name: 'Saved Segment',
				value: 'segment',
				description: 'A ready segment from the library, e.g. inactive-90-days',
			},
		],
		default: 'builder',
	},
	{
		displayName: 'Conditions',
		name: 'conditions',
		placeholder: 'Add Condition',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		displayOptions: { show: { mode: ['builder'] } },
		default: {},
		options: [
			{
				name: 'condition',
				displayName: 'Condition',
				values: [
					{
						displayName: 'Field or Event',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'e.g. plan, address.country, lastSeenAt (or an event name)',
						description: 'Dotted path of a field of the contact item; for the \'Did event\' operators, the event name',
					},
					{
						displayName: 'Group',
						name: 'group',
						type: 'number',
						default: 1,
						description: 'Conditions with the same group number are combined first; groups are then combined with \'Combine Groups\'',
					},
					{
						displayName: 'Operator',
						name: 'operator',
						type: 'options',
						options: builderOperators,
						default: 'equal',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. pro · 10, 20 · 7d · 2026-01-31 · vip, gold',
						description: 'Lists are comma-separated; durations like 30m, 24h, 7d, 2w; \'between\' takes \'min, max\'; \'did event\' takes the number of times',
					},
					{
						displayName: 'Within the Last',
						name: 'within',
						type: 'string',
						default: '30d',
						placeholder: 'e.g. 7d',
						description: 'Window the events are counted in; empty counts the whole kept history',
					},
				],
			},
		],
	},
	{
		displayName: 'Combine Conditions in a Group',
		name: 'combineConditions',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { mode: ['builder'] } },
		options: [
			{ name: 'All Must Match (AND)', value: 'all' },
			{ name: 'Any Can Match (OR)', value: 'any' },
		],
		default: 'all',
	},
	{
		displayName: 'Combine Groups',
		name: 'combineGroups',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { mode: ['builder'] } },
		options: [
			{ name: 'Any Group Can Match (OR)', value: 'any' },
			{ name: 'All Groups Must Match (AND)', value: 'all' },
		],
		default: 'any',
		description: 'Only matters when conditions use more than one group number',
	},
	rulesOperatorsNotice,
	{
		displayName: 'Rules (JSON)',
		name: 'rulesJson',
		type: 'json',
		displayOptions: { show: { mode: ['rules'] } },
		default:
			'{\n  "all": [\n    { "fact": "plan", "operator": "equal", "value": "pro" },\n    { "fact": "lastSeenAt", "operator": "withinLast", "value": "30d" }\n  ]\n}',
		description:
			'A condition tree in the rules-engine JSON format (all / any / not groups of fact, operator, value). Facts are dotted paths into the contact item; event conditions use the fact "eventCount" with params { event, within, where }.',
	},
	{
		displayName: 'Segment',
		name: 'segment',
		type: 'options',
		options: segmentOptions,
		displayOptions: { show: { mode: ['segment'] } },
		default: 'inactive-90-days',
		description: 'A ready segment from the library; each option says who it selects',
	},
	...contactProperties,
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
				displayName: 'Add Failed Conditions',
				name: 'includeFailedConditions',
				type: 'boolean',
				default: false,
				description:
					'Whether to list the conditions an item failed under segment.failed, to see why it went to Not Matched',
			},
			{
				displayName: 'Fallback Time Zone',
				name: 'fallbackTimezone',
				type: 'string',
				default: '',
				placeholder: 'e.g. Europe/Berlin',
				description: "Used when the contact has no time zone; empty uses the workflow's time zone",
			},
		],
	},
];
