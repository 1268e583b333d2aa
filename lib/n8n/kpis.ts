import type { IDataObject, IExecuteFunctions, INodeProperties, IWebhookFunctions } from 'n8n-workflow';
import type { JourneyStore, KpiCount } from '../store/types';

/**
 * Journey KPIs from the nodes' side: every package node on a journey path counts what it did
 * with each item that carries a journey context, in ONE store call at the end of its execution.
 * Outcome names per node: lib/store/kpis.ts.
 */

/** One item's outcome: the item's JSON (for its journey and variant) and what happened to it. */
export interface OutcomeRow {
	json: IDataObject | undefined;
	outcome: string;
	/** the day to count under ('YYYY-MM-DD'); today on the store clock when absent */
	day?: string;
	/** +1 when absent; -1 takes a count back (a wait that was counted as a timeout and resumed) */
	count?: number;
}

type NodeContext = Pick<IExecuteFunctions | IWebhookFunctions, 'getNode' | 'getNodeParameter' | 'logger'>;

/** The "Count Journey KPIs" option every node on a journey path has in its Options. */
export const countJourneyKpisOption: INodeProperties = {
	displayName: 'Count Journey KPIs',
	name: 'countJourneyKpis',
	type: 'boolean',
	default: true,
	description:
		'Whether to count this step\'s outcomes (per journey, step, variant and day) for items that carry a journey context from Journey Entry; the Journey Report shows them',
};

/** Whether the node counts KPIs (Options → Count Journey KPIs, on unless turned off). */
export function countsJourneyKpis(ctx: Pick<IExecuteFunctions | IWebhookFunctions, 'getNodeParameter'>): boolean {
	const options = (ctx.getNodeParameter as (name: string, itemIndex: number, fallback: unknown) => unknown)('options', 0, {}) as IDataObject | undefined;
	return options?.countJourneyKpis !== false;
}

/** The journey name of an item, when a Journey Entry upstream gave it a journey context. */
export function journeyNameOf(json: IDataObject | undefined): string {
	const journey = json?.journey;
	if (!journey || typeof journey !== 'object') return '';
	const name = (journey as IDataObject).name;
	return typeof name === 'string' ? name : '';
}

/** The experiment variant of an item (Journey Split sets `experiment: { name, variant }`), '' when none. */
export function variantOf(json: IDataObject | undefined): string {
	const experiment = json?.experiment;
	if (!experiment || typeof experiment !== 'object') return '';
	const variant = (experiment as IDataObject).variant;
	return typeof variant === 'string' || typeof variant === 'number' ? String(variant) : '';
}

/**
 * The counts of rows for this node's step: rows without a journey are left out, equal
 * (journey, variant, outcome, day) rows are summed. Cheap per row: two property reads and a
 * Map update, so counting stays within a step's noise.
 */
export function outcomeCounts(step: string, today: string, rows: Iterable<OutcomeRow>): KpiCount[] {
	const sums = new Map<string, KpiCount>();
	for (const row of rows) {
		const journey = journeyNameOf(row.json);
		if (!journey) continue;
		const variant = variantOf(row.json);
		const day = row.day ?? today;
		const id = `${journey}\u0000${variant}\u0000${row.outcome}\u0000${day}`;
		const sum = sums.get(id);
		if (sum) sum.count += row.count ?? 1;
		else sums.set(id, { journey, step, variant, day, outcome: row.outcome, count: row.count ?? 1 });
	}
	return [...sums.values()];
}

/**
 * Counts a node's outcomes in one store call (unless Options → Count Journey KPIs is off).
 * Counting never fails the step: a store error is logged as a warning and the items go on.
 */
export async function countOutcomes(ctx: NodeContext, store: JourneyStore | undefined, rows: Iterable<OutcomeRow>): Promise<void> {
	if (!store || !countsJourneyKpis(ctx)) return;
	try {
		const counts = outcomeCounts(ctx.getNode().name, store.kpis.today(), rows);
		if (counts.length > 0) await store.kpis.add(counts);
	} catch (error) {
		ctx.logger?.warn?.(`Journey KPIs of "${ctx.getNode().name}" were not counted: ${(error as Error).message}`);
	}
}
