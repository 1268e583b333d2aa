import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { storeCredentialTest } from '../../lib';
import { journeySplitProperties } from './description';
import { splitItems } from './split';

/**
 * Journey Split: A/B/n experiments in a journey. Each contact goes to one of 2–8 weighted
 * variants (one output each, named after the variant) or to an optional holdout, sticky per
 * contact and experiment name, with `experiment: { name, variant }` on the item.
 */
export class JourneySplit implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Split',
		name: 'journeySplit',
		icon: { light: 'file:journeySplit.svg', dark: 'file:journeySplit.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ (($parameter["variants"] || {}).values || []).map((v) => v.name + " " + v.weight + "%").join(" / ") + ($parameter["holdoutPercent"] > 0 ? " · holdout " + $parameter["holdoutPercent"] + "%" : "") }}',
		description: 'Split contacts into A/B/n variants and a holdout, sticky per contact and experiment',
		defaults: { name: 'Journey Split' },
		inputs: [NodeConnectionTypes.Main],
		// one output per variant, named after it, then "Holdout" when a holdout is set
		outputs: `={{ ((($parameter["variants"] || {}).values) || []).map((v, i) => ({ type: "${NodeConnectionTypes.Main}", displayName: String(v.name || "Variant " + (i + 1)) })).concat($parameter["holdoutPercent"] > 0 ? [{ type: "${NodeConnectionTypes.Main}", displayName: "Holdout" }] : []) }}`,
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: journeySplitProperties,
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await splitItems(this);
	}
}
