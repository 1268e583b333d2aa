import type { IDataObject, IExecuteFunctions, INodeProperties, IWebhookFunctions } from 'n8n-workflow';
import type { JourneyStore, KpiAddOptions, KpiCount } from '../store/types';
import type { ItemBatch } from './items';
import { resolveStore } from './store';

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

type NodeContext = IExecuteFunctions | IWebhookFunctions;

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
export function countsJourneyKpis(ctx: NodeContext): boolean {
	// a webhook's parameters are read without an item index
	const options = 'getBodyData' in ctx ? ctx.getNodeParameter('options', {}) : ctx.getNodeParameter('options', 0, {});
	return (options as IDataObject | undefined)?.countJourneyKpis !== false;
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
 * The outcome rows of a node's item batch: one per item that has a result and did not fail,
 * named by `outcome` (undefined: not counted).
 */
export function* batchOutcomes<R>(batch: ItemBatch<unknown, R>, outcome: (result: R, itemIndex: number) => string | undefined): Generator<OutcomeRow> {
	for (let i = 0; i < batch.items.length; i++) {
		if (batch.errorOf(i)) continue;
		const result = batch.resultOf(i);
		if (result === undefined) continue;
		const name = outcome(result, i);
		if (name !== undefined) yield { json: batch.items[i].json, outcome: name };
	}
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
 * Counts a node's outcomes in one store call (unless Options → Count Journey KPIs is off). The
 * node's store is resolved here when the node had no store call of its own (`store` undefined).
 * The node does not wait for the write: it is on its way (one pipeline, written to the
 * connection before this returns) while the journey goes on, so counting adds no round trip to a
 * step; `store.kpis.flush()` (and every `read`) waits for it. Counting never fails the step: a
 * store error is logged as a warning and the items go on.
 */
export async function countOutcomes(ctx: NodeContext, store: JourneyStore | undefined, rows: Iterable<OutcomeRow>, options: KpiAddOptions = {}): Promise<void> {
	if (!countsJourneyKpis(ctx)) return;
	const step = ctx.getNode().name;
	const warn = (error: unknown) => ctx.logger?.warn?.(`Journey KPIs of "${step}" were not counted: ${(error as Error).message}`);
	try {
		let counts = store ? outcomeCounts(step, store.kpis.today(), rows) : outcomeCounts(step, '', rows);
		if (counts.length === 0) return;
		if (!store) {
			store = await resolveStore(ctx, 0);
			const today = store.kpis.today();
			counts = counts.map((c) => (c.day === '' ? { ...c, day: today } : c));
		}
		store.kpis.add(counts, options).catch(warn);
	} catch (error) {
		warn(error);
	}
}
