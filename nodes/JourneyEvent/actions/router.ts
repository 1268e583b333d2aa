import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { readItems, resolveStore, storeOutageError, type JourneyStore } from '../../../lib';
import { erase } from './erase.operation';
import { exitJourney } from './exitJourney.operation';
import { record } from './record.operation';
import type { Operation } from './shared';
import { updateState } from './updateState.operation';

function operationOf(ctx: IExecuteFunctions, name: string) {
	switch (name) {
		case 'record':
			return record;
		case 'consent':
		case 'subscription':
			return updateState(name);
		case 'erase':
			return erase;
		case 'exitJourney':
			return exitJourney;
		default:
			throw new NodeOperationError(ctx.getNode(), `Unknown operation "${name}"`, {
				description: 'Pick Record Event, Update Consent, Unsubscribe or Resubscribe, Erase Contact, or Exit Journey.',
			});
	}
}

/**
 * Every operation works on the whole batch: each item is read and checked, then one store call
 * for all valid items, then one output item per input item. Without Continue On Fail a bad item
 * stops the node before the store call, so nothing of the batch is written.
 */
export async function route(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	if (items.length === 0) return [[]];
	const operation = operationOf(ctx, ctx.getNodeParameter('operation', 0) as string) as Operation<unknown>;
	const store = await resolveStore(ctx, 0);
	return await run(ctx, store, operation);
}

async function run<T>(ctx: IExecuteFunctions, store: JourneyStore, operation: Operation<T>): Promise<INodeExecutionData[][]> {
	const batch = readItems<T, IDataObject>(ctx, operation.reader(ctx));
	let fields: IDataObject[];
	try {
		fields = await operation.write(
			ctx,
			store,
			batch.ready.map((r) => r.value),
		);
	} catch (error) {
		throw storeOutageError(ctx, error);
	}
	batch.ready.forEach((r, k) => batch.set(r.itemIndex, fields[k]));
	return batch.route(1, 0, (i, journeyEvent) => ({
		output: 0,
		item: {
			json: { ...batch.items[i].json, journeyEvent },
			pairedItem: { item: i },
		},
	}));
}
