import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { listSegments, OPERATORS, storeProperties, countJourneyKpisOption } from '../../lib';
import { DATE_ROW_OPERATORS, EVENT_ROW_OPERATORS } from './behaviourRows';
import { contactProperties } from './contactProperties';
import { segmentSettingsProperties } from './segmentSettings';

/** The relative-date and event operators n8n's condition UI does not have. */
const behaviourOperators: INodePropertyOptions[] = [
	{ name: 'Did Event at Least … Times', value: 'didEventAtLeast', description: 'The contact did the event at least this many times' },
	{ name: 'Did Event at Most … Times', value: 'didEventAtMost', description: 'The contact did the event at most this many times' },
	{ name: 'Did Not Do Event', value: 'didNotDoEvent', description: 'The contact did not do the event' },
	{ name: 'Date Is Within the Last', value: 'withinLast', description: 'The date field lies within the last period, e.g. 30d' },
	{ name: 'Date Is More Than … Ago', value: 'moreThanAgo', description: 'The date field lies further back than the period, e.g. 90d' },
	{
		name: 'Anniversary Is Within the Next … Days',
		value: 'anniversaryWithin',
		description: "The date field's day and month come within the next days (birthdays, sign-up anniversaries)",
	},
];

/** The operators of the Rules (JSON) field, listed inside n8n above the field. */
export const rulesOperatorsNotice: INodeProperties = {
	displayName: `Operators: ${OPERATORS.map((op) => `${op.name} (${op.label})`).join(', ')}. Event conditions use the fact "eventCount" with params { event, within, where }.`,
	name: 'rulesOperatorsNotice',
	type: 'notice',
	default: '',
	displayOptions: { show: { mode: ['rules'] } },
};

export const segmentFilterPropertiesV2: INodeProperties[] = [
	{
		displayName: 'Define Segment By',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Conditions',
				value: 'builder',
				description: "The condition builder of n8n's If and Filter nodes, plus behaviour and date conditions",
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
		displayName: 'Condition Groups',
		name: 'conditionGroups',
		placeholder: 'Add Condition Group',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		displayOptions: { show: { mode: ['builder'] } },
		hint: 'Drag fields from the input panel into a condition. Conditions in a group combine by the group\'s AND / OR; groups combine by "Combine Groups".',
		default: {
			group: [
				{
					conditions: {
						options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
						conditions: [{ leftValue: '', rightValue: '', operator: { type: 'string', operation: 'equals' } }],
						combinator: 'and',
					},
				},
			],
		},
		options: [
			{
				name: 'group',
				displayName: 'Group',
				values: [
					{
						displayName: 'Conditions',
						name: 'conditions',
						placeholder: 'Add Condition',
						type: 'filter',
						default: {},
						typeOptions: {
							filter: {
								caseSensitive: '={{!$parameter.options.ignoreCase}}',
								typeValidation: '={{ $parameter.options.looseTypeValidation ? "loose" : "strict" }}',
								version: 2,
							},
						},
					},
				],
			},
		],
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
		description: 'How the condition groups combine: (A and B) or (C and D) is two groups combined with OR',
	},
	{
		displayName: 'Behaviour and Date Conditions',
		name: 'behaviourConditions',
		placeholder: 'Add Behaviour or Date Condition',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		displayOptions: { show: { mode: ['builder'] } },
		description: "What n8n's condition builder cannot say: events the contact did, and dates relative to now in the contact's time zone",
		default: {},
		options: [
			{
				name: 'condition',
				displayName: 'Condition',
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items -- the operator decides which fields show, so it comes first
				values: [
					{
						displayName: 'Operator',
						name: 'operator',
						type: 'options',
						noDataExpression: true,
						options: behaviourOperators,
						default: 'didEventAtLeast',
					},
					{
						displayName: 'Event Name',
						name: 'event',
						type: 'string',
						default: '',
						placeholder: 'e.g. purchase',
						description: 'The event as the Journey Event nodes recorded it',
						displayOptions: { show: { operator: EVENT_ROW_OPERATORS } },
					},
					{
						displayName: 'Times',
						name: 'times',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 1,
						displayOptions: { show: { operator: ['didEventAtLeast', 'didEventAtMost'] } },
					},
					{
						displayName: 'In the Last',
						name: 'window',
						type: 'string',
						default: '30d',
						placeholder: 'e.g. 30d, 24h, 2w',
						description: 'The window the events are counted in; empty counts the whole kept history',
						displayOptions: { show: { operator: EVENT_ROW_OPERATORS } },
					},
					{
						displayName: 'Date Field',
						name: 'field',
						type: 'string',
						default: '',
						placeholder: 'e.g. lastSeenAt',
						description: 'The contact\'s date field (a dotted path, or drag it from the input panel)',
						displayOptions: { show: { operator: DATE_ROW_OPERATORS } },
					},
					{
						displayName: 'Period',
						name: 'period',
						type: 'string',
						default: '30d',
						placeholder: 'e.g. 30d, 12h, 2w, 3mo',
						displayOptions: { show: { operator: ['withinLast', 'moreThanAgo'] } },
					},
					{
						displayName: 'Days Ahead',
						name: 'days',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 366 },
						default: 7,
						displayOptions: { show: { operator: ['anniversaryWithin'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Combine With Condition Groups',
		name: 'combineBehaviour',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { mode: ['builder'] } },
		options: [
			{ name: 'All Must Match (AND)', value: 'all', description: 'The condition groups and every behaviour and date condition must match' },
			{ name: 'Any Can Match (OR)', value: 'any', description: 'The condition groups or any behaviour and date condition' },
		],
		default: 'all',
		description: 'How the behaviour and date conditions combine with the condition groups',
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
			'A condition tree in the rules-engine JSON format (all / any / not groups of fact, operator, value); the notice above lists the operators',
	},
	{
		displayName: 'Segment',
		name: 'segment',
		type: 'options',
		options: listSegments().map((segment) => ({ name: segment.name, value: segment.name, description: segment.description })),
		displayOptions: { show: { mode: ['segment'] } },
		default: 'inactive-90-days',
		description: 'A ready segment from the library; its whole description and its numbers show once chosen',
	},
	...segmentSettingsProperties(),
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
					'Whether to list, under segment.failed, the conditions an item did not meet (e.g. "plan is not equal to pro")',
			},
			{
				displayName: 'Convert Types Where Required',
				name: 'looseTypeValidation',
				type: 'boolean',
				default: false,
				description:
					'Whether to read "42" as a number, "true" as true and so on when a condition compares another type, instead of stopping with an error',
				displayOptions: { show: { '/mode': ['builder'] } },
			},
			{
				displayName: 'Fallback Time Zone',
				name: 'fallbackTimezone',
				type: 'string',
				default: '',
				placeholder: 'e.g. Europe/Berlin',
				description: "Used when the contact has no time zone; empty uses the workflow's time zone",
			},
			{
				displayName: 'Ignore Case',
				name: 'ignoreCase',
				type: 'boolean',
				default: true,
				description: 'Whether to ignore letter case when conditions compare text',
				displayOptions: { show: { '/mode': ['builder'] } },
			},
		],
	},
];
