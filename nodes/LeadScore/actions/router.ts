import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	batchOutcomes,
	countOutcomes,
	DEFAULT_GRADE_BANDS,
	gradeOf,
	ItemBatch,
	ItemError,
	itemMessage,
	parameterReader,
	readItems,
	resolveStore,
	textOf,
	toNodeError,
	type CompiledScoringModel,
	type ErrorDescriber,
	type GradeBands,
	type JourneyStore,
	type ScoreOptions,
	type ScoreState,
} from '../../../lib';
import type { OperationName } from '../description';
import { loadModel } from '../model';
import { getScore } from './getScore.operation';
import { resetGroup } from './resetGroup.operation';
import { score } from './score.operation';
import type { Job, Operation } from './shared';

const operations: Record<OperationName, Operation> = { score, getScore, resetGroup };

interface Options extends Partial<GradeBands> {
	logLimit?: number;
	decisionTimeoutMs?: number;
	includeHistory?: boolean;
	ttlDays?: number;
}

/** Items per store call: one pipelined round trip each. */
const STORE_BATCH = 5000;
const QUALIFIED = 0;
const NOT_QUALIFIED = 1;

/**
 * The Lead Score's item loop and error policy: the model is compiled once, each item is checked
 * on its own (a bad item fails alone), the store answers every item of the execution in batched
 * round trips, and each item leaves on Qualified (0) or Not qualified (1) with `leadScore`.
 */
export async function route(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const operation = ctx.getNodeParameter('operation', 0) as OperationName;
	const op = operations[operation];
	if (!op) throw new NodeOperationError(ctx.getNode(), `Unknown operation "${operation}"`, { description: 'Choose Score Event, Get Score or Reset Group.' });

	let model: CompiledScoringModel;
	let store: JourneyStore;
	let options: ScoreOptions;
	let bands: GradeBands;
	let raw: Options;
	try {
		model = loadModel(ctx);
		raw = ctx.getNodeParameter('options', 0, {}) as Options;
		bands = { ...DEFAULT_GRADE_BANDS, ...pick(raw) };
		options = {
			settings: model.settings,
			ttlSeconds: Math.round(Number(raw.ttlDays ?? 365) * 86_400),
			logLimit: Math.max(1, Math.min(1000, Math.floor(Number(raw.logLimit ?? 50)))),
			timeoutMs: Number(raw.decisionTimeoutMs ?? 2000),
		};
		if (!(options.ttlSeconds >= 86_400)) throw new ItemError(`Keep Scores For ${raw.ttlDays} is not a number of days ≥ 1`, 'Set Options → Keep Scores For (Days) to e.g. 365.');
		if (!(Number(options.timeoutMs) >= 10)) throw new ItemError(`Decision Timeout ${raw.decisionTimeoutMs} is not a number of milliseconds ≥ 10`, 'Set Options → Decision Timeout to e.g. 2000 (milliseconds).');
		store = await resolveStore(ctx, 0);
	} catch (error) {
		const failed = new ItemBatch<Job, ScoreState>(ctx, describeError);
		failed.failAll(failed.items.keys(), error);
		return failed.route(2, NOT_QUALIFIED, () => undefined);
	}

	const readContactId = parameterReader<unknown>(ctx, 'contactId', '');
	const plan = op.planner?.(ctx, options);
	const batch = readItems<Job, ScoreState>(
		ctx,
		(itemIndex) => {
			const contactId = textOf(readContactId(itemIndex));
			if (contactId === '') throw new ItemError(itemMessage(itemIndex, 'Contact ID is empty'), 'Set "Contact ID" to the field that holds it, e.g. {{ $json.contactId }}.');
			const job: Job = { itemIndex, contactId, json: items[itemIndex].json };
			plan?.(job);
			return job;
		},
		describeError,
	);
	const jobs = batch.ready.map((r) => r.value);

	for (let start = 0; start < jobs.length; start += STORE_BATCH) {
		const slice = jobs.slice(start, start + STORE_BATCH);
		try {
			const now = await store.now();
			const states = await op.run({ ctx, model, store, options, jobs: slice, now });
			slice.forEach((job, i) => batch.set(job.itemIndex, states[i]));
		} catch (error) {
			batch.failAll(
				slice.map((job) => job.itemIndex),
				error,
			);
			// without Continue On Fail the later batches are not sent
			batch.stopOnBadItem();
		}
	}

	const history = operation === 'getScore' && raw.includeHistory ? await historyOf(ctx, store, jobs, options.logLimit) : undefined;
	const outputs = batch.route(2, NOT_QUALIFIED, (itemIndex, state) => {
		const leadScore: IDataObject = {
			total: state.total,
			groups: state.groups,
			delta: state.delta,
			grade: gradeOf(state.groups.fit ?? 0, state.groups.engagement ?? 0, bands),
			crossed: state.crossed,
			above: state.above,
			rules: state.applied.map((r) => ({ name: r.rule, points: r.points, group: r.group })),
			...(state.duplicate ? { duplicate: true } : {}),
			...(history ? { history: history.get(itemIndex) as unknown as IDataObject[] } : {}),
		};
		return { output: op.qualified(state) ? QUALIFIED : NOT_QUALIFIED, item: { json: { ...items[itemIndex].json, leadScore }, pairedItem: { item: itemIndex } } };
	});
	// a retried event (same update key) is not counted again
	await countOutcomes(ctx, store, batchOutcomes(batch, (state) => (state.duplicate ? undefined : op.qualified(state) ? 'qualified' : 'not_qualified')));
	return outputs;
}

async function historyOf(ctx: IExecuteFunctions, store: JourneyStore, jobs: Job[], limit: number) {
	try {
		const logs = await store.scores.log(
			jobs.map((j) => j.contactId),
			limit,
		);
		return new Map(jobs.map((job, i) => [job.itemIndex, logs[i]]));
	} catch (error) {
		throw describeError(ctx, error, 0);
	}
}

function pick(raw: Options): Partial<GradeBands> {
	const out: Partial<GradeBands> = {};
	for (const key of ['fitA', 'fitB', 'engagement1', 'engagement2'] as const) if (typeof raw[key] === 'number') out[key] = raw[key];
	return out;
}

/** A store outage says nothing of the batch changed; other errors name the item. */
const describeError: ErrorDescriber = (ctx, error, itemIndex) => {
	if (error instanceof NodeOperationError || error instanceof ItemError) return toNodeError(ctx, error, itemIndex);
	const e = error as Error & { name?: string };
	if (e?.name === 'StoreUnavailableError') {
		return new NodeOperationError(ctx.getNode(), `The store could not score item ${itemIndex + 1}: ${e.message}`, {
			itemIndex,
			description: 'Nothing was changed for the items of this batch; run the workflow again when the store answers.',
		});
	}
	return new NodeOperationError(ctx.getNode(), itemMessage(itemIndex, e?.message ?? String(error)), { itemIndex });
};
