import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	assignVariant,
	countOutcomes,
	ExperimentError,
	HOLDOUT_VARIANT,
	ItemError,
	itemMessage,
	journeyContextOf,
	readItems,
	resolveStore,
	textOf,
	validateExperiment,
	withField,
	type EntryVariant,
	type Experiment,
	type Variant,
} from '../../lib';

interface Assignment {
	contactId: string;
	experiment: string;
	variant: string;
	output: number;
}

/** The variants and holdout as configured (read once: they define the node's outputs, so they take no expressions). */
export function readExperimentShape(ctx: IExecuteFunctions): Omit<Experiment, 'name'> {
	const rows = (ctx.getNodeParameter('variants.values', 0, []) as IDataObject[]) ?? [];
	const variants: Variant[] = rows.map((r) => ({ name: textOf(r.name), weight: Number(r.weight ?? 0) }));
	return { variants, holdoutPercent: Number(ctx.getNodeParameter('holdoutPercent', 0, 0) ?? 0) };
}

/**
 * Assigns every item's contact to a variant or the holdout (a keyed hash of experiment name and
 * contact id: sticky, no store needed) and routes it to that variant's output, the holdout last,
 * with `experiment: { name, variant }` on the item.
 */
export async function splitItems(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const shape = readExperimentShape(ctx);
	const outputs = shape.variants.length + (shape.holdoutPercent > 0 ? 1 : 0);
	const items = ctx.getInputData();
	if (items.length === 0) return Array.from({ length: Math.max(outputs, 1) }, () => []);
	// the variants are the same for every item: a bad configuration fails the node, not an item
	try {
		validateExperiment({ name: 'experiment', ...shape });
	} catch (error) {
		if (!(error instanceof ExperimentError)) throw new NodeOperationError(ctx.getNode(), error as Error);
		throw new NodeOperationError(ctx.getNode(), `Parameter "${error.parameter}": ${error.message}`, { description: error.fix });
	}
	const outputOf = new Map(shape.variants.map((v, i) => [v.name, i]));
	outputOf.set(HOLDOUT_VARIANT, shape.variants.length);

	const batch = readItems<Assignment, Assignment>(ctx, (i) => {
		const experiment = experimentName(ctx, items[i].json, i);
		const contactId = textOf(ctx.getNodeParameter('contactId', i, ''));
		if (!contactId) {
			throw new ItemError(itemMessage(i, 'Contact ID is empty'), 'Set "Contact ID" to the field that identifies the contact, e.g. {{ $json.contactId }}.', 'Contact ID');
		}
		const variant = assignVariant({ name: experiment, ...shape }, contactId);
		return { contactId, experiment, variant, output: outputOf.get(variant)! };
	});
	for (const { itemIndex, value } of batch.ready) batch.set(itemIndex, value);
	// with Continue On Fail a failed item leaves on the first output with its error, as n8n's own nodes do
	const out = batch.route(outputs, 0, (i, a) => ({ output: a.output, item: withField(items[i], i, 'experiment', { name: a.experiment, variant: a.variant }) }));
	await remember(ctx, items, batch.ready);
	return out;
}

/**
 * Keeps each journey entry's variant (what its conversion is attributed to) and counts
 * "assigned" per variant, in one store call each. The assignment itself needs no store, so a
 * store that does not answer costs the report these figures, not the journey: it is logged.
 */
async function remember(ctx: IExecuteFunctions, items: INodeExecutionData[], assigned: Array<{ itemIndex: number; value: Assignment }>): Promise<void> {
	if (assigned.length === 0) return;
	const store = await resolveStore(ctx, assigned[0].itemIndex);
	const variants: EntryVariant[] = [];
	for (const { itemIndex, value } of assigned) {
		const journey = journeyContextOf(items[itemIndex].json);
		if (journey?.name) variants.push({ contactId: value.contactId, journey: journey.name, entryId: journey.entryId, variant: value.variant });
	}
	const warn = (error: unknown) => ctx.logger.warn(`Journey Split could not keep the entries' variants for conversions: ${(error as Error).message}`, { node: ctx.getNode().name });
	await Promise.all([
		variants.length ? store.entries.setVariant(variants).catch(warn) : undefined,
		countOutcomes(
			ctx,
			store,
			assigned.map(({ itemIndex, value }) => ({ json: { journey: items[itemIndex].json.journey, experiment: { variant: value.variant } }, outcome: 'assigned' })),
		),
	]);
}

/** Experiment Name, else the journey's name on the item, else the workflow's name. */
function experimentName(ctx: IExecuteFunctions, json: IDataObject, i: number): string {
	const name = textOf(ctx.getNodeParameter('experimentName', i, '')) || journeyContextOf(json)?.name || textOf(ctx.getWorkflow().name);
	if (!name) {
		throw new ItemError(
			itemMessage(i, 'the experiment has no name: Experiment Name is empty, the item has no journey and the workflow no name'),
			'Set "Experiment Name" (e.g. cart-reminder-subject), or put a Journey Entry before this node.',
			'Experiment Name',
		);
	}
	return name;
}
