import type { IDataObject } from 'n8n-workflow';
import { isValidTimeZone, ItemError, itemMessage, parameterReader, type ContactEvent, type DynamicFacts, type ScoreUpdate } from '../../../lib';
import type { Job, Operation, OperationInput } from './shared';

const hasOwn = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);

/** The event an item carries: its event field, or the item itself when it is an event (Journey Event Trigger). */
export function eventOf(json: IDataObject, field: string): IDataObject | undefined {
	const value = field && hasOwn(json, field) ? json[field] : undefined;
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as IDataObject;
	if (typeof json.name === 'string' && hasOwn(json, 'occurredAt')) return json;
	return undefined;
}

/**
 * Score Event: the rules that fire for each item (the contact's fields plus its event under
 * `event`, and the contact's recorded events for event-count conditions) become one store
 * update per item, applied in one batch. Qualified when the step crossed a threshold upward.
 */
export const score: Operation = {
	planner: (ctx) => {
		const eventField = String(ctx.getNodeParameter('eventField', 0, 'event')).trim();
		const readZone = parameterReader<unknown>(ctx, 'timezone', '');
		const hasKey = Boolean((ctx.getNode().parameters.options as IDataObject | undefined)?.updateKey);
		const run = `run:${ctx.getExecutionId()}:${ctx.getNode().id}:`;
		const fallbackZone = ctx.getTimezone();
		return (job) => {
			const event = eventOf(job.json, eventField);
			const zone = String(readZone(job.itemIndex) ?? '').trim() || fallbackZone;
			if (!isValidTimeZone(zone)) {
				throw new ItemError(
					itemMessage(job.itemIndex, `Contact Time Zone "${zone}" is not a valid time zone`),
					'Use an IANA zone name such as "Europe/Berlin", "Asia/Seoul" or "UTC", or leave it empty for the workflow\'s zone.',
				);
			}
			const key = hasKey ? String(ctx.getNodeParameter('options.updateKey', job.itemIndex, '')).trim() : '';
			job.timezone = zone;
			job.facts = event === job.json ? { ...job.json, event } : { ...job.json, event: event ?? null };
			job.key = key || (typeof event?.id === 'string' && event.id ? `event:${event.id}` : `${run}${job.itemIndex}`);
		};
	},
	run: async ({ model, store, options, jobs, now }: OperationInput) => {
		let histories: Map<string, ContactEvent[]> | undefined;
		if (model.eventQueries.length > 0) {
			const names = [...new Set(model.eventQueries.map((q) => q.params.event))];
			const ids = [...new Set(jobs.map((j) => j.contactId))];
			const lists = await store.events.list(ids.map((contactId) => ({ contactId, names })));
			histories = new Map(ids.map((id, i) => [id, lists[i]]));
		}
		const updates: ScoreUpdate[] = jobs.map((job: Job) => {
			const dynamic: DynamicFacts | undefined = histories ? { events: histories.get(job.contactId) ?? [] } : undefined;
			const fired = model.fire(job.facts, { now, timezone: job.timezone! }, dynamic);
			return {
				contactId: job.contactId,
				awards: fired.map((r) => ({ rule: r.name, group: r.group, points: r.points, repeat: r.repeat })),
				key: job.key,
			};
		});
		return await store.scores.apply(updates, options);
	},
	qualified: (state) => state.crossed.length > 0,
};
