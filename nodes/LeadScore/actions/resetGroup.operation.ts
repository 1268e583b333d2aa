import { ItemError, itemMessage } from '../../../lib';
import type { Operation } from './shared';

/** Drops the points of the named groups; Qualified when the contact is still above a threshold. */
export const resetGroup: Operation = {
	planner: (ctx, options) => (job) => {
		const groups = String(ctx.getNodeParameter('resetGroups', job.itemIndex, ''))
			.split(',')
			.map((g) => g.trim())
			.filter((g) => g !== '');
		const unknown = groups.filter((g) => !Object.prototype.hasOwnProperty.call(options.settings.groups, g));
		if (groups.length === 0 || unknown.length > 0) {
			throw new ItemError(
				itemMessage(job.itemIndex, `Groups to Reset ${groups.length === 0 ? 'is empty' : `names unknown groups: ${unknown.join(', ')}`}`),
				`Use group names of the model, comma-separated: ${Object.keys(options.settings.groups).join(', ')}.`,
			);
		}
		job.groups = groups;
	},
	run: ({ store, jobs, options }) => store.scores.reset(jobs.map((j) => ({ contactId: j.contactId, groups: j.groups ?? [] })), options),
	qualified: (state) => state.above.length > 0,
};
