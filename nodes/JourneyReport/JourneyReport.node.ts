import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import {
	journeyList,
	readJourneyReport,
	reportDays,
	reportRangeProperties,
	ReportRangeError,
	reportRows,
	resolveStore,
	storeCredentialTest,
	storeOutageError,
	storeProperties,
	type ReportRangeInput,
} from '../../lib';

/**
 * Journey Report: the journeys' counters as items, one per journey, step and variant, with
 * counts, rates and (on the journey rows) conversion per variant with its 95 % interval, uplift
 * and probability of beating the control — for Slack, a sheet or a database. The same numbers
 * as the Journey Report Page.
 */
export class JourneyReport implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Journey Report',
		name: 'journeyReport',
		icon: { light: 'file:journeyReport.svg', dark: 'file:journeyReport.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["range"] === "between" ? $parameter["from"] + " – " + $parameter["to"] : "Last " + $parameter["lastDays"] + " days" }}',
		description: 'Journey counts and rates per step and variant, conversion per variant with intervals and uplift, as items',
		defaults: { name: 'Journey Report' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [
			{
				name: 'journeyStoreRedisApi',
				required: true,
				displayOptions: { show: { store: ['redis'] } },
				testedBy: 'journeyStoreRedisConnectionTest',
			},
		],
		properties: [
			{
				displayName:
					'Outputs one item per journey, step and variant: counts and rates per outcome; the journey rows (step empty) add conversion per variant with its 95 % Wilson interval, uplift and the probability of beating the control. Runs once per execution, whatever the input.',
				name: 'outputNotice',
				type: 'notice',
				default: '',
			},
			...reportRangeProperties,
			...storeProperties,
		],
	};

	methods = { credentialTest: storeCredentialTest };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (this.getInputData().length === 0) return [[]];
		const input: ReportRangeInput = {
			range: this.getNodeParameter('range', 0, 'lastDays') as string,
			lastDays: this.getNodeParameter('lastDays', 0, 30),
			from: this.getNodeParameter('from', 0, ''),
			to: this.getNodeParameter('to', 0, ''),
		};
		let days;
		try {
			days = reportDays(input, Date.now());
		} catch (error) {
			if (!(error instanceof ReportRangeError)) throw new NodeOperationError(this.getNode(), error as Error);
			throw new NodeOperationError(this.getNode(), `Parameter "${error.parameter}": ${error.message}`, { description: error.fix });
		}
		let report;
		try {
			const store = await resolveStore(this, 0);
			report = await readJourneyReport(store, journeyList(this.getNodeParameter('journeys', 0, '')), days);
		} catch (error) {
			const outage = storeOutageError(this, error, 0);
			throw outage instanceof NodeOperationError ? outage : new NodeOperationError(this.getNode(), error as Error);
		}
		return [reportRows(report).map((row) => ({ json: { ...row }, pairedItem: { item: 0 } }))];
	}
}
