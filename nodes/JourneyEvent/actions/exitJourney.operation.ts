import { ItemError, itemMessage, journeyNameParameter, type ExitRequest } from '../../../lib';
import { contactOf, type Operation } from './shared';

/** Exit Journey: ends the contact's active entries; an item's output says how many ended. */
export const exitJourney: Operation<ExitRequest> = {
	reader: (ctx) => (i) => {
		const journey = journeyNameParameter(ctx, i);
		if (!journey) {
			throw new ItemError(
				itemMessage(i, 'Journey Name is empty and the workflow has no name'),
				'Set "Journey Name" to the name on the journey\'s Journey Entry node.',
			);
		}
		const key = String(ctx.getNodeParameter('exitEntryKey', i, '') ?? '').trim();
		return { contactId: contactOf(ctx, i), journey, key: key || undefined };
	},
	async write(_ctx, store, requests) {
		const outcomes = await store.entries.exit(requests);
		return outcomes.map((outcome, k) => ({
			operation: 'exitJourney',
			journey: requests[k].journey,
			key: requests[k].key ?? null,
			exited: outcome.exited,
		}));
	},
};
