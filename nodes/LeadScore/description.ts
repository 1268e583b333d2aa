import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { builderOperators, listScoringModels, storeProperties, countJourneyKpisOption } from '../../lib';

export type OperationName = 'score' | 'getScore' | 'resetGroup';
export type ModelSource = 'library' | 'json' | 'builder';

const show = (operation: OperationName[]) => ({ show: { operation } });

const modelOptions: INodePropertyOptions[] = listScoringModels().map((model) => ({
	name: model.name,
	value: model.name,
	description: model.description,
}));

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Score Event',
			value: 'score',
			action: 'Score a contact from the event on the item',
			description: 'Give the points of the rules that match, then route on whether a threshold was crossed',
		},
		{
			name: 'Get Score',
			value: 'getScore',
			action: 'Get a contact s score',
			description: 'Read the score now (after decay), changing nothing',
		},
		{
			name: 'Reset Group',
			value: 'resetGroup',
			action: 'Reset score groups of a contact',
			description: 'Drop every point of the groups, e.g. engagement after a sale',
		},
	],
	default: 'score',
};

const EXAMPLE_MODEL = `{
  "name": "my-model",
  "description": "Fit from the contact, engagement from events",
  "groups": {
    "fit": { "label": "Fit", "cap": 40 },
    "engagement": { "label": "Engagement", "cap": 60, "decay": { "kind": "halfLife", "days": 30 } }
  },
  "thresholds": [{ "name": "marketing-qualified", "score": 50 }],
  "rules": [
    {
      "name": "pro-plan",
      "conditions": { "all": [{ "fact": "plan", "operator": "equal", "value": "pro" }] },
      "event": { "type": "score", "params": { "group": "fit", "points": 20, "repeat": "once" } }
    },
    {
      "name": "viewed-pricing",
      "conditions": { "all": [{ "fact": "event.name", "operator": "equal", "value": "page_viewed" },
                              { "fact": "event.properties.path", "operator": "startsWith", "value": "/pricing" }] },
      "event": { "type": "score", "params": { "group": "engagement", "points": 10, "repeat": { "oncePer": "1d" } } }
    }
  ]
}`;

// kept outside the collection literal: the lint's autofix empties an options list it cannot read
const operatorChoice: INodeProperties = {
	displayName: 'Operator',
	name: 'operator',
	type: 'options',
	options: builderOperators,
	default: 'equal',
};

const groupChoice: INodeProperties = {
	displayName: 'Group',
	name: 'group',
	type: 'options',
	options: [
		{ name: 'Fit (Who They Are)', value: 'fit' },
		{ name: 'Engagement (What They Do)', value: 'engagement' },
		{ name: 'Named Group (Below)', value: 'named' },
	],
	default: 'engagement',
};

const groupName: INodeProperties = {
	displayName: 'Group Name',
	name: 'groupName',
	type: 'string',
	default: '',
	placeholder: 'e.g. product-usage',
	description: 'Used when Group is "Named Group"',
};

export const modelProperties: INodeProperties[] = [
	{
		displayName: 'Scoring Model',
		name: 'modelSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Rules (Builder)', value: 'builder', description: 'Rows of condition · points · group · repeat' },
			{ name: 'Rules (JSON)', value: 'json', description: 'A scoring model in JSON: groups, thresholds and JSON-rules-engine rules' },
			{ name: 'Saved Model', value: 'library', description: 'A ready model from the library, e.g. b2b-default' },
		],
		default: 'library',
	},
	{
		displayName: 'Model',
		name: 'modelName',
		type: 'options',
		options: modelOptions,
		displayOptions: { show: { modelSource: ['library'] } },
		default: 'b2b-default',
		description: 'A ready model from the library; each option says what it scores',
	},
	{
		displayName: 'Model (JSON)',
		name: 'modelJson',
		type: 'json',
		displayOptions: { show: { modelSource: ['json'] } },
		default: EXAMPLE_MODEL,
		description:
			'Rules are JSON-rules-engine rules whose event params carry points (negative allowed), group, and optionally repeat ("once", "every", { "atMost": 3 }, { "oncePer": "7d" }), validFrom, validUntil',
	},
	{
		displayName: 'Rules',
		name: 'rules',
		placeholder: 'Add Rule',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		displayOptions: { show: { modelSource: ['builder'] } },
		default: {},
		options: [
			{
				name: 'rule',
				displayName: 'Rule',
				values: [
					{
						displayName: 'Field or Event',
						name: 'field',
						type: 'string',
						default: 'event.name',
						placeholder: 'e.g. event.name, event.properties.path, jobTitle (or an event name)',
						description: 'Dotted path:	event.…	reads the event the item carries, anything else the contact;	for the \'Did event\' operators, the event name',
					},
					groupChoice,
					groupName,
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'e.g. viewed-pricing',
						description: 'Shown on the item under leadScore.rules;	empty uses \'rule-&lt;row&gt;\'',
					},
					operatorChoice,
					{
						displayName: 'Period (Once Per)',
						name: 'period',
						type: 'string',
						default: '1d',
						description: 'Used when Repeat is \'Once Per Period\':	30m, 24h, 1d, 1w, 1mo',
					},
					{
						displayName: 'Points',
						name: 'points',
						type: 'number',
						default: 10,
						description: 'Negative points take points away',
					},
					{
						displayName: 'Repeat',
						name: 'repeat',
						type: 'options',
						options: [
							{
								name: 'Every Time',
								value: 'every',
							},
							{
								name: 'Once Per Contact',
								value: 'once',
							},
							{
								name: 'At Most N Times',
								value: 'atMost',
							},
							{
								name: 'Once Per Period',
								value: 'oncePer',
							},
						],
						default: 'every',
					},
					{
						displayName: 'Times (At Most)',
						name: 'times',
						type: 'number',
						default: 3,
						description: 'Used when Repeat is \'At Most N Times\'',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. page_viewed	·	50, 5000	·	vip, gold',
						description: 'Lists are comma-separated;	durations like 30m, 24h, 7d; \'between\' takes \'min, max\'; \'did event\' takes the number of times',
					},
					{
						displayName: 'Within the Last',
						name: 'within',
						type: 'string',
						default: '30d',
						description: 'For the \'Did event\' operators:	the window events are counted in',
					},
			],
			},
		],
	},
	{
		displayName: 'Groups',
		name: 'groups',
		placeholder: 'Add Group Setting',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		displayOptions: { show: { modelSource: ['builder'] } },
		default: {},
		description: 'Cap and decay per group; a group without a row has no cap and no decay',
		options: [
			{
				name: 'group',
				displayName: 'Group',
				values: [
					groupChoice,
					groupName,
					{
						displayName: 'Cap',
						name: 'cap',
						type: 'number',
						default: 0,
						description: "The group's score never goes above this; 0 = no cap",
					},
					{
						displayName: 'Decay',
						name: 'decay',
						type: 'options',
						options: [
							{ name: 'None', value: 'none' },
							{ name: 'Linear (Lose X % Every N Days)', value: 'linear' },
							{ name: 'Half-Life (Halve Every N Days)', value: 'halfLife' },
							{ name: 'Expiry (Points Drop Out After N Days)', value: 'expiry' },
						],
						default: 'none',
					},
					{
						displayName: 'Percent Lost per Step',
						name: 'percent',
						type: 'number',
						default: 10,
						description: 'Linear decay: each award loses this share of its points every N days',
					},
					{
						displayName: 'Days',
						name: 'days',
						type: 'number',
						default: 30,
						description: 'Linear: days per step; half-life: days to halve; expiry: days an award counts',
					},
				],
			},
		],
	},
	{
		displayName: 'Total Cap',
		name: 'totalCap',
		type: 'number',
		displayOptions: { show: { modelSource: ['builder'] } },
		default: 0,
		description: 'The total never goes above this; 0 = no cap',
	},
	{
		displayName: 'Thresholds',
		name: 'thresholds',
		placeholder: 'Add Threshold',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		displayOptions: { show: { modelSource: ['builder'] } },
		default: { threshold: [{ name: 'marketing-qualified', score: 50, appliesTo: 'total' }] },
		description: 'Named bands; an item leaves on Qualified when its contact rises to one (once per upward crossing)',
		options: [
			{
				name: 'threshold',
				displayName: 'Threshold',
				values: [
					{ displayName: 'Name', name: 'name', type: 'string', default: 'marketing-qualified' },
					{ displayName: 'Score', name: 'score', type: 'number', default: 50 },
					{
						displayName: 'Applies To',
						name: 'appliesTo',
						type: 'options',
						options: [
							{ name: 'Total', value: 'total' },
							{ name: 'Fit', value: 'fit' },
							{ name: 'Engagement', value: 'engagement' },
							{ name: 'Named Group (Below)', value: 'named' },
						],
						default: 'total',
					},
					groupName,
				],
			},
		],
	},
];

export const contactProperties: INodeProperties[] = [
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.contactId }}',
		required: true,
		description: 'Whose score this is',
	},
	{
		displayName: 'Event Field',
		name: 'eventField',
		type: 'string',
		default: 'event',
		displayOptions: show(['score']),
		description: 'Field of the item holding the event ({ name, properties, occurredAt, ID }); an item without it that is itself an event (as the Journey Event Trigger sends) is the event. Rules read it as event.name, event.properties.….',
	},
	{
		displayName: 'Contact Time Zone',
		name: 'timezone',
		type: 'string',
		default: '={{ $json.timezone }}',
		displayOptions: show(['score']),
		description: 'IANA zone (e.g. Asia/Seoul) in which relative dates are read; empty uses the workflow\'s zone',
	},
	{
		displayName: 'Groups to Reset',
		name: 'resetGroups',
		type: 'string',
		default: 'engagement',
		displayOptions: show(['resetGroup']),
		description: 'Comma-separated group names, e.g. engagement',
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
				displayName: 'Audit Log Entries Kept',
				name: 'logLimit',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 50,
				description: 'Changes of score remembered per contact (Get Score → Include History shows them)',
			},
			{
				displayName: 'Decision Timeout',
				name: 'decisionTimeoutMs',
				type: 'number',
				default: 2000,
				description: 'Longest wait for the store, in milliseconds; a late answer changes nothing and the item fails (or retries)',
			},
			{ displayName: 'Engagement Grade 1 From', name: 'engagement1', type: 'number', default: 40 },
			{ displayName: 'Engagement Grade 2 From', name: 'engagement2', type: 'number', default: 15 },
			{ displayName: 'Fit Grade A From', name: 'fitA', type: 'number', default: 40 },
			{ displayName: 'Fit Grade B From', name: 'fitB', type: 'number', default: 20 },
			{
				displayName: 'Include History',
				name: 'includeHistory',
				type: 'boolean',
				default: false,
				description: 'Whether Get Score adds the newest audit-log entries under leadScore.history',
			},
			{
				displayName: 'Keep Scores For (Days)',
				name: 'ttlDays',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 365,
				description: 'A score with no change for this long is forgotten',
			},
			{
				displayName: 'Update Key',
				name: 'updateKey',
				type: 'string',
				default: '',
				placeholder: '={{ $json.ID }}',
				description:
					'One key counts once, however often the item is retried; empty uses the event ID, else execution + node + item',
			},
		],
	},
];
