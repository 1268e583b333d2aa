import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { journeyNameParameter, type ExitRequest, type JourneyStore } from '../../lib';

const show = { show: { operation: ['exitJourney'] } };

/** The Exit Journey operation's parameters (the Contact ID and Store are shared with the other operations). */
export const exitJourneyProperties: INodeProperties[] = [
	{
		displayName: 'Journey Name',
		name: 'journeyName',
		type: 'string',
		default: '',
		placeholder: 'cart-abandonment',
		displayOptions: show,
		description: 'The journey to leave, as named on its Journey Entry node. Empty uses this workflow\'s name (Journey Entry\'s default).',
	},
	{
		displayName: 'Entry Key',
		name: 'exitEntryKey',
		type: 'string',
		default: '={{ $json.journey?.key ?? "" }}',
		displayOptions: show,
		description: 'Only end the entry with this key (e.g. this cart); empty ends every entry of the contact in the journey',
	},
	{
		displayName: 'The contact is then no longer in the journey: with "While Already in the Journey: Refuse" they may enter again, as the Re-Entry rule allows. Put Exit Journey at the end of every branch of a journey.',
		name: 'exitJourneyNotice',
		type: 'notice',
		default: '',
		displayOptions: show,
	},
];

/** One store call for every valid item; an item's output says how many active entries ended. */
export async function exitJourney(
	ctx: IExecuteFunctions,
	store: JourneyStore,
	items: INodeExecutionData[],
	contactOf: (ctx: IExecuteFunctions, i: number) => string,
	asItemError: (ctx: IExecuteFunctions, error: unknown, i: number) => Error,
): Promise<Array<INodeExecutionData | Error>> {
	const slots: Array<INodeExecutionData | Error> = new Array(items.length);
	const requests: ExitRequest[] = [];
	const requestItem: number[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const journey = journeyNameParameter(ctx, i);
			if (!journey) {
				throw new NodeOperationError(ctx.getNode(), `Item ${i + 1}: Journey Name is empty and the workflow has no name`, {
					itemIndex: i,
					description: 'Set "Journey Name" to the name on the journey\'s Journey Entry node.',
				});
			}
			const key = String(ctx.getNodeParameter('exitEntryKey', i, '') ?? '').trim();
			requests.push({ contactId: contactOf(ctx, i), journey, key: key || undefined });
			requestItem.push(i);
		} catch (error) {
			slots[i] = asItemError(ctx, error, i);
		}
	}
	const outcomes = await store.entries.exit(requests);
	outcomes.forEach((outcome, k) => {
		const i = requestItem[k];
		slots[i] = {
			json: {
				...items[i].json,
				journeyEvent: { operation: 'exitJourney', journey: requests[k].journey, key: requests[k].key ?? null, exited: outcome.exited },
			},
			pairedItem: { item: i },
		};
	});
	return slots;
}
