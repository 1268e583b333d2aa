import type { ContactEvent, EventQuery, EventStore, RecordEventsOptions, RecordOutcome } from '../types';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

/** Event histories in process memory; same semantics as the Redis event scripts. */
export class MemoryEventStore implements EventStore {
	/** contactId → events, oldest first */
	readonly histories: ExpiringMap<ContactEvent[]>;
	/** `${contactId}\u0000${eventId}` → seen; an id is deduplicated per contact */
	readonly seenIds: ExpiringMap<true>;

	constructor(clock: Clock) {
		this.histories = new ExpiringMap(clock);
		this.seenIds = new ExpiringMap(clock);
	}

	async record(events: ContactEvent[], options: RecordEventsOptions): Promise<RecordOutcome[]> {
		const ttlMs = options.ttlSeconds * 1000;
		return events.map((event) => {
			const seenKey = `${event.contactId}\u0000${event.id}`;
			if (this.seenIds.has(seenKey)) return { eventId: event.id, recorded: false };
			this.seenIds.set(seenKey, true, ttlMs);
			const history = this.histories.get(event.contactId) ?? [];
			insertByTime(history, structuredClone(event));
			if (history.length > options.historyLimit) history.splice(0, history.length - options.historyLimit);
			this.histories.set(event.contactId, history, ttlMs);
			return { eventId: event.id, recorded: true };
		});
	}

	async list(queries: EventQuery[]): Promise<ContactEvent[][]> {
		return queries.map((query) => {
			const history = this.histories.get(query.contactId) ?? [];
			const names = query.names && query.names.length > 0 ? new Set(query.names) : undefined;
			return history
				.filter((e) => (query.sinceMs === undefined || e.occurredAt >= query.sinceMs) && (!names || names.has(e.name)))
				.map((e) => structuredClone(e));
		});
	}

	erase(contactId: string): void {
		this.histories.delete(contactId);
		for (const key of [...this.seenIds.keys()]) if (key.startsWith(`${contactId}\u0000`)) this.seenIds.delete(key);
	}
}

/** Histories stay ordered by occurredAt even when events arrive late (ties keep arrival order). */
function insertByTime(history: ContactEvent[], event: ContactEvent): void {
	let i = history.length;
	while (i > 0 && history[i - 1].occurredAt > event.occurredAt) i--;
	history.splice(i, 0, event);
}
