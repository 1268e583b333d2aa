import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	batchOutcomes,
	countOutcomes,
	isValidTimeZone,
	ItemBatch,
	itemMessage,
	parameterReader,
	resolveStore,
	withField,
	type ContactEvent,
	type EvaluationContext,
} from '../../lib';
import { CONTACT_PREFIX } from './builderPlan';
import { ConditionSource, type ItemSegment, type Mode } from './conditionSource';
import { describeFailure } from './failureWords';

interface Options {
	includeFailedConditions?: boolean;
	fallbackTimezone?: string;
}

/** An item that the attribute conditions left open: it needs the contact's events. */
interface Pending {
	itemIndex: number;
	segment: ItemSegment;
	context: EvaluationContext;
	contactId: string;
	facts: unknown;
}

type Decision = { matched: boolean; segment: ItemSegment; context: EvaluationContext; facts: unknown; events?: ContactEvent[] };

/**
 * The item loop and error policy of the Segment Filter. Pass one decides every item on its
 * attributes; only the items it cannot decide (they depend on event conditions) have their
 * event histories fetched — in one batched store call — and are decided in pass two.
 */
export async function decideSegments(ctx: IExecuteFunctions, version = 1): Promise<INodeExecutionData[][]> {
	const batch = new ItemBatch<never, Decision>(ctx);
	const items = batch.items;
	const mode = ctx.getNodeParameter('mode', 0) as Mode;
	const options = ctx.getNodeParameter('options', 0, {}) as Options;
	const now = Date.now();
	const source = new ConditionSource(ctx, mode, version);
	if (source.perItemExpressions.length > 0 && typeof ctx.addExecutionHints === 'function') {
		ctx.addExecutionHints({
			message: `Evaluated per item by n8n (slower than a field dragged from the input panel): ${source.perItemExpressions.join('; ')}`,
			location: 'outputPane',
		});
	}
	const readZone = parameterReader<unknown>(ctx, 'timezone', '');
	const readContactId = parameterReader<unknown>(ctx, 'contactId', '');
	const fallbackZone = (options.fallbackTimezone ?? '').trim() || ctx.getTimezone();
	if (!isValidTimeZone(fallbackZone)) {
		throw new NodeOperationError(ctx.getNode(), `Fallback Time Zone "${fallbackZone}" is not a valid time zone`, {
			description: 'Use an IANA zone name such as "Europe/Berlin", "Asia/Seoul" or "UTC".',
		});
	}

	const pending: Pending[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const segment = source.forItem(itemIndex);
			const context = { now, timezone: contactZone(ctx, readZone(itemIndex), fallbackZone, itemIndex) };
			const contact = items[itemIndex].json;
			// facts are kept only to explain a decision or to finish it once events are read
			const keepFacts = options.includeFailedConditions || !segment.compiled.attributeOnly;
			const facts = segment.facts ? segment.facts(itemIndex, contact, !keepFacts) : contact;
			// a field that is not a date would silently fail its date condition: say so instead
			const [nonDate] = segment.compiled.checkFactTypes(facts);
			if (nonDate) {
				const field = segment.facts ? nonDate.fact.slice(CONTACT_PREFIX.length) : nonDate.fact;
				const where = segment.facts ? '' : ` (${nonDate.path})`;
				throw new NodeOperationError(
					ctx.getNode(),
					itemMessage(itemIndex, `field "${field}" is used with a date operator${where} but holds ${JSON.stringify(nonDate.factValue)}, which is not a date`),
					{
						itemIndex,
						description: `Give "${field}" an ISO date (2026-01-31 or 2026-01-31T09:00:00Z) or epoch milliseconds, or change the condition.`,
					},
				);
			}
			const matched = segment.compiled.evaluate(facts, context);
			if (matched !== undefined) {
				batch.set(itemIndex, { matched, segment, context, facts: keepFacts ? facts : undefined });
				continue;
			}
			const contactId = readContactId(itemIndex);
			if (contactId === undefined || contactId === null || String(contactId).trim() === '') {
				throw new NodeOperationError(ctx.getNode(), itemMessage(itemIndex, 'Contact ID is empty, but the segment has event conditions'), {
					itemIndex,
					description:
						'Event conditions read the contact\'s recorded events: set "Contact ID" to the field that holds it, e.g. {{ $json.contactId }}.',
				});
			}
			pending.push({ itemIndex, segment, context, contactId: String(contactId), facts });
		} catch (error) {
			batch.fail(itemIndex, error);
		}
	}

	// nothing is written, but a bad item fails the node before its store read, as in every node
	batch.stopOnBadItem();
	if (pending.length > 0) await decideWithEvents(ctx, pending, batch);

	// Matched (0) and Not Matched (1); with Continue On Fail a failed item goes to Not Matched
	const outputs = batch.route(2, 1, (itemIndex, decision) => {
		const segmentField: IDataObject = { matched: decision.matched };
		if (decision.segment.name) segmentField.name = decision.segment.name;
		if (options.includeFailedConditions && !decision.matched) {
			const dynamic = decision.events ? { events: decision.events } : undefined;
			const { failed } = decision.segment.compiled.explain(decision.facts, decision.context, dynamic);
			segmentField.failed =
				version >= 2
					? decision.segment.describe
						? decision.segment.describe(failed)
						: [...new Set(failed.map(describeFailure))]
					: (failed.map((f) => ({ ...f, reason: describeFailure(f) })) as unknown as IDataObject[]);
		}
		return { output: decision.matched ? 0 : 1, item: withField(items[itemIndex], itemIndex, 'segment', segmentField) };
	});
	await countOutcomes(ctx, undefined, batchOutcomes(batch, (decision) => (decision.matched ? 'matched' : 'not_matched')));
	return outputs;
}

async function decideWithEvents(
	ctx: IExecuteFunctions,
	pending: Pending[],
	batch: ItemBatch<never, Decision>,
): Promise<void> {
	let histories: ContactEvent[][];
	try {
		const store = await resolveStore(ctx, pending[0].itemIndex);
		histories = await store.events.list(
			pending.map((p) => ({ contactId: p.contactId, names: p.segment.eventNames })),
		);
	} catch (error) {
		const failure = new NodeOperationError(ctx.getNode(), `Could not read contact events from the store: ${(error as Error).message}`, {
			description: 'Check the "Store" parameter and its credential, and that the store is reachable.',
		});
		batch.failAll(pending.map((p) => p.itemIndex), failure);
		return;
	}
	pending.forEach((p, i) => {
		try {
			const events = histories[i];
			const matched = p.segment.compiled.evaluate(p.facts, p.context, { events });
			batch.set(p.itemIndex, { matched: matched === true, segment: p.segment, context: p.context, facts: p.facts, events });
		} catch (error) {
			batch.fail(p.itemIndex, error);
		}
	});
}

function contactZone(ctx: IExecuteFunctions, value: unknown, fallback: string, itemIndex: number): string {
	if (value === undefined || value === null || value === '') return fallback;
	if (isValidTimeZone(value)) return value as string;
	throw new NodeOperationError(
		ctx.getNode(),
		itemMessage(itemIndex, `Contact Time Zone ${JSON.stringify(value)} is not a valid time zone`),
		{
			itemIndex,
			description:
				'Use an IANA zone name such as "Europe/Berlin" or "Asia/Seoul", fix the contact\'s field, or clear the parameter to use the fallback zone.',
		},
	);
}
