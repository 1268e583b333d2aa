import type { INodeProperties } from 'n8n-workflow';
import { countJourneyKpisOption, storeProperties } from '../../lib';

export const journeySplitProperties: INodeProperties[] = [
	{
		displayName: 'Experiment Name',
		name: 'experimentName',
		type: 'string',
		default: '',
		placeholder: 'cart-reminder-subject',
		description:
			'Names the experiment: a contact keeps its variant as long as the name stays the same, in every execution and journey using it. Empty uses the journey\'s name (from Journey Entry, else the workflow\'s name).',
	},
	{
		displayName: 'Contact ID',
		name: 'contactId',
		type: 'string',
		default: '={{ $json.contactId }}',
		required: true,
		description: 'The contact to assign; the same contact always gets the same variant of an experiment',
	},
	{
		displayName: 'Variants',
		name: 'variants',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true, minRequiredFields: 2 },
		placeholder: 'Add Variant',
		default: {
			values: [
				{ name: 'A', weight: 50 },
				{ name: 'B', weight: 50 },
			],
		},
		description: '2 to 8 variants, one output each, named after the variant. Weights are percentages that add up to 100.',
		options: [
			{
				displayName: 'Variant',
				name: 'values',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						noDataExpression: true,
						placeholder: 'A',
						description: 'The output\'s name and the variant in the item\'s experiment field and in the report',
					},
					{
						displayName: 'Weight (%)',
						name: 'weight',
						type: 'number',
						default: 50,
						noDataExpression: true,
						typeOptions: { minValue: 0, maxValue: 100, numberPrecision: 2 },
						description: 'Share of the contacts not held out. Changing weights later moves as few contacts as possible (50/50 → 60/40 moves 10 %).',
					},
				],
			},
		],
	},
	{
		displayName: 'Holdout (%)',
		name: 'holdoutPercent',
		type: 'number',
		default: 0,
		noDataExpression: true,
		typeOptions: { minValue: 0, maxValue: 99, numberPrecision: 2 },
		description:
			'Share of all contacts set apart before the variants: they leave on the Holdout output, get no message, and are counted so the report can show each variant\'s uplift against sending nothing. 0 for none.',
	},
	{
		displayName:
			'Each contact leaves on one output with experiment: { name, variant } ("holdout" on Holdout). Put no message on the Holdout branch and end it with Exit Journey; with a conversion goal on Journey Entry its conversions are counted like the variants\' for the report\'s uplift.',
		name: 'splitNotice',
		type: 'notice',
		default: '',
	},
	...storeProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [countJourneyKpisOption],
	},
];
