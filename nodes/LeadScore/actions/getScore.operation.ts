import type { Operation } from './shared';

/** The score now, after decay; Qualified when the contact is at or above a threshold. */
export const getScore: Operation = {
	run: ({ store, jobs, options }) =>
		store.scores.get(
			jobs.map((j) => j.contactId),
			options,
		),
	qualified: (state) => state.above.length > 0,
};
