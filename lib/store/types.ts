/**
 * The store seam: everything the nodes keep between executions goes through this interface.
 * Two implementations: the in-memory store (one per process, for trials and development) and
 * the Redis store (production). Both pass one shared test suite (test/store-suite.ts).
 *
 * The interface is split by concept (events, caps, waits, contact state); each concept has
 * its own file in memory/ and redis/. Every method takes a batch so that a node makes one
 * round trip per execution, not one per item.
 */

/** An event about one contact. `id` deduplicates: recording the same id twice is a no-op. */
export interface ContactEvent {
	id: string;
	contactId: string;
	name: string;
	properties: Record<string, unknown>;
	/** epoch milliseconds */
	occurredAt: number;
}

export interface RecordEventsOptions {
	/** newest events kept per contact; older ones are dropped */
	historyLimit: number;
	/** how long a contact's history (and the dedupe mark of each id) lives after its last event */
	ttlSeconds: number;
}

export interface RecordOutcome {
	eventId: string;
	/** false when an event with this id was recorded before (a duplicate) */
	recorded: boolean;
}

export interface EventQuery {
	contactId: string;
	/** only events with one of these names; all names when absent */
	names?: string[];
	/** only events with occurredAt >= sinceMs (epoch ms) */
	sinceMs?: number;
}

export interface EventStore {
	/** Appends to each contact's bounded history; result[i] answers events[i]. */
	record(events: ContactEvent[], options: RecordEventsOptions): Promise<RecordOutcome[]>;
	/** One batch, one round trip: result[i] answers queries[i], oldest event first. */
	list(queries: EventQuery[]): Promise<ContactEvent[][]>;
}

export type * from './caps';
import type { CapStore } from './caps';
export type * from './waits';
export type * from './deliveries';
import type { WaitStore } from './waits';
import type { DeliveryStore } from './deliveries';
export type * from './contacts';
import type { ContactStore } from './contacts';
export type * from './entries';
import type { EntryStore } from './entries';
export type * from './scores';
import type { ScoreStore } from './scores';
export type * from './sends';
import type { SendStore } from './sends';
export type * from './kpis';
import type { KpiStore } from './kpis';

export type StoreKind = 'memory' | 'redis';

export interface StoreInfo {
	kind: StoreKind;
	/** the client namespace every key of this store lives under */
	namespace: string;
}

/**
 * The full store as the nodes see it: one object per concept. New concepts (caps, waits,
 * contact state) are added as fields here, each implemented by both stores.
 */
export interface JourneyStore {
	readonly info: StoreInfo;
	/** Current time in epoch ms from the store's clock (Redis TIME for Redis), not the host's. */
	now(): Promise<number>;
	readonly events: EventStore;
	/** frequency caps: check-and-reserve, check, record, release (lib/store/caps.ts) */
	readonly caps: CapStore;
	/** Wait Until Event registrations: register, find by contact + event name, claim once (lib/store/waits.ts) */
	readonly waits: WaitStore;
	/** webhook delivery ids the Journey Event Trigger has seen, for replay protection (lib/store/deliveries.ts) */
	readonly deliveries: DeliveryStore;
	/** consent / unsubscribe state and erase-everything of a contact (lib/store/contacts.ts) */
	readonly contacts: ContactStore;
	/** who entered which journey, who is in it now, re-entry rules (lib/store/entries.ts) */
	readonly entries: EntryStore;
	/** lead scores: points from rules, caps, decay, thresholds, audit log (lib/store/scores.ts) */
	readonly scores: ScoreStore;
	/** Channel Send's exactly-once log: claim a message key before the provider call, settle it after (lib/store/sends.ts) */
	readonly sends: SendStore;
	/** journey KPI counters per journey, step, variant and day (lib/store/kpis.ts) */
	readonly kpis: KpiStore;
	/** Releases connections; the process-wide pools call it on shutdown. */
	close(): Promise<void>;
}
