import type { IDataObject } from 'n8n-workflow';
import { parseTime, type ContactStateChange } from '../../../lib';
import { contactOf, fieldError, optionsOf, type Operation } from './shared';

const DEFAULT_STATE_TTL_DAYS = 1825;

/** Update Consent and Unsubscribe or Resubscribe: one contact-state change per item. */
export function updateState(operation: 'consent' | 'subscription'): Operation<ContactStateChange> {
	return {
		reader(ctx) {
			const now = Date.now();
			return (i) => {
				const contactId = contactOf(ctx, i);
				const at = parseTime(ctx.getNodeParameter('occurredAt', i, ''), now);
				if (at === undefined) throw fieldError(ctx, i, 'occurredAt', 'Occurred At is not a date');
				const source = String(ctx.getNodeParameter('source', i, '') ?? '').trim() || undefined;
				const change: ContactStateChange = { contactId, at, source };
				if (operation === 'consent') {
					const rows =
						(
							ctx.getNodeParameter('consentChanges', i, {}) as {
								changes?: Array<{ topic?: string; granted?: boolean }>;
							}
						).changes ?? [];
					change.consent = {};
					for (const row of rows) {
						const topic = String(row.topic ?? '').trim();
						if (topic === '') throw fieldError(ctx, i, 'topic', 'a consent change has an empty Topic');
						change.consent[topic] = row.granted === true;
					}
					if (Object.keys(change.consent).length === 0) throw fieldError(ctx, i, 'consentChanges', 'there are no consent changes');
				} else {
					const channels = String(ctx.getNodeParameter('channels', i, 'all') ?? '')
						.split(',')
						.map((c) => c.trim())
						.filter((c) => c !== '');
					if (channels.length === 0) throw fieldError(ctx, i, 'channels', 'Channels is empty (use "all" for every channel)');
					const action = ctx.getNodeParameter('subscriptionAction', i, 'unsubscribe') as string;
					if (action === 'resubscribe') change.resubscribe = channels;
					else change.unsubscribe = channels;
				}
				return change;
			};
		},
		async write(ctx, store, changes) {
			const options = optionsOf(ctx);
			const states = await store.contacts.update(changes, {
				ttlSeconds: (options.stateTtlDays ?? DEFAULT_STATE_TTL_DAYS) * 86_400,
			});
			return states.map((state) => ({
				operation,
				consent: withIsoTimes(state.consent),
				subscriptions: withIsoTimes(state.subscriptions),
				updatedAt: new Date(state.updatedAt).toISOString(),
			}));
		},
	};
}

/** Decision records keep epoch ms; items show ISO text. */
function withIsoTimes<T extends { at: number }>(records: Record<string, T>): IDataObject {
	const out: IDataObject = {};
	for (const [key, record] of Object.entries(records)) out[key] = { ...record, at: new Date(record.at).toISOString() };
	return out;
}
