import { randomUUID } from 'node:crypto';
import type { IExecuteFunctions } from 'n8n-workflow';
import { DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_TTL_DAYS, ingestEvents, normalizeEvent, usesTestStore, whyNotResumed, type ContactEvent } from '../../../lib';
import { fieldError, optionsOf, type Operation } from './shared';

/** Record Event: stores each event once (by its ID) and resumes the journeys waiting for it. */
export const record: Operation<ContactEvent> = {
	reader(ctx) {
		const options = optionsOf(ctx);
		const now = Date.now();
		return (i) => {
			let id = ctx.getNodeParameter('eventId', i, '') as unknown;
			if (id === undefined || id === null || String(id).trim() === '') id = options.generateIds ? randomUUID() : defaultEventId(ctx, i);
			const result = normalizeEvent(
				{
					id,
					contactId: ctx.getNodeParameter('contactId', i, ''),
					name: ctx.getNodeParameter('eventName', i, ''),
					properties: ctx.getNodeParameter('properties', i, {}),
					occurredAt: ctx.getNodeParameter('occurredAt', i, ''),
				},
				now,
			);
			if (!result.ok) throw fieldError(ctx, i, result.field, result.message);
			return result.event;
		};
	},
	async write(ctx, store, events) {
		const options = optionsOf(ctx);
		const ingested = await ingestEvents(store, events, {
			historyLimit: options.historyLimit ?? DEFAULT_HISTORY_LIMIT,
			ttlSeconds: (options.historyTtlDays ?? DEFAULT_HISTORY_TTL_DAYS) * 86_400,
			resume: options.resumeWaits !== false,
			resumeOptions: { logger: ctx.logger },
		});
		// a test run explains an event that resumed nothing (e.g. a pinned event dated before the journey)
		const explain = ctx.getMode?.() === 'manual';
		const storeLabel = usesTestStore(ctx) ? 'test store (test runs from the editor)' : 'production store';
		const why = explain
			? await Promise.all(
					ingested.map(async (r) => (r.resumed === 0 && options.resumeWaits !== false ? await whyNotResumed(store, r.event, storeLabel) : undefined)),
				)
			: [];
		return ingested.map((result, k) => ({
			operation: 'record',
			eventId: result.event.id,
			name: result.event.name,
			recorded: result.recorded,
			duplicate: !result.recorded,
			resumed: result.resumed,
			...(result.converted ? { converted: result.converted } : {}),
			...(why[k] ? { notResumedBecause: why[k] } : {}),
		}));
	},
};

/** workflow + execution + node + item: the same when n8n retries this node, so a retry records once. */
function defaultEventId(ctx: IExecuteFunctions, itemIndex: number): string {
	return `${ctx.getWorkflow().id ?? ''}:${ctx.getExecutionId() ?? ''}:${ctx.getNode().name}:${itemIndex}`;
}
