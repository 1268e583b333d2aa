import { contactOf, type Operation } from './shared';

/** Erase Contact: removes everything the store keeps about each contact. */
export const erase: Operation<string> = {
	reader: (ctx) => (i) => contactOf(ctx, i),
	async write(_ctx, store, ids) {
		const outcomes = await store.contacts.erase(ids);
		return outcomes.map((outcome) => ({
			operation: 'erase',
			erased: true,
			removedKeys: outcome.removed,
		}));
	},
};
