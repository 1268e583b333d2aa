/**
 * The waits concept of the store: registrations of journeys parked by Wait Until Event, looked
 * up by (contact, event name) when an event is recorded, and claimed atomically so that one
 * event resumes one waiting execution once.
 *
 * Life of a registration:
 *   register (state waiting) ─┬─ claim(token, eventId) → claimed by that event ─ remove (after n8n said 200)
 *                             ├─ expiry passes → no longer found, no longer claimable (n8n's timer continues it on "Timed out")
 *                             └─ TTL (expiry + grace) → gone
 * A claim is first-come: once event A holds it, event B gets `taken`. The same event may claim
 * again (a retried delivery after a lost answer); n8n's own compare-and-set on the execution's
 * `waiting` status then lets exactly one of those attempts continue the journey.
 */

/** What an event must look like to resume a wait. Stored with the registration. */
export interface WaitMatchSpec {
	/** event names that count (at least one) */
	names: string[];
	/**
	 * Optional correlation: the event's property at `eventPath` (dotted path into
	 * `event.properties`) must equal `value` (compared as strings).
	 */
	correlation?: { eventPath: string; value: string };
	/**
	 * Optional json-rules-engine condition tree (all / any / not) over the event's properties,
	 * evaluated by the rules package.
	 */
	conditions?: Record<string, unknown>;
	/** only events with occurredAt >= sinceMs count (epoch ms) */
	sinceMs: number;
}

export interface WaitRegistration {
	/** `<executionId>:<nodeId>`: at most one live wait per execution and node */
	waitId: string;
	/** random per registration; a resume must present it, so an old resume cannot wake a newer wait */
	token: string;
	contactId: string;
	executionId: string;
	nodeId: string;
	workflowId?: string;
	match: WaitMatchSpec;
	/** the waiting item's JSON as it was when the wait started */
	snapshot: Record<string, unknown>;
	/** the exact URL the resumer POSTs to (`…/webhook-waiting/<executionId>/<nodeId>?signature=…`) */
	resumeUrl: string;
	/** epoch ms; from then on the wait has timed out and is neither found nor claimable */
	expiresAt: number;
	/** epoch ms */
	createdAt: number;
	/** set once an event (or the wait's own look-back) claimed it */
	claim?: { eventId: string; at: number };
}

export interface WaitRef {
	contactId: string;
	waitId: string;
	/** when given, only the registration with this token is affected */
	token?: string;
}

export interface RegisterWaitOptions {
	/** how long a registration outlives its expiry, so a late event can still find and drop it */
	graceSeconds: number;
}

export interface WaitLookup {
	contactId: string;
	/** one event name */
	name: string;
}

export type ClaimResult =
	/** `fresh`: this call made the claim (false: the same claimant had claimed it before) */
	| { status: 'claimed'; registration: WaitRegistration; fresh: boolean }
	/** no registration (never registered, removed, or past its TTL) */
	| { status: 'missing' }
	/** a registration exists under this waitId with another token (a newer wait of the same node) */
	| { status: 'stale' }
	/** held by another event */
	| { status: 'taken'; by: string }
	/** past its expiry: the timeout owns it */
	| { status: 'expired' };

export interface WaitStore {
	/** Stores (or replaces, per waitId) registrations and indexes them by contact and event name. */
	register(registrations: WaitRegistration[], options: RegisterWaitOptions): Promise<void>;
	/**
	 * One batch, one round trip: result[i] lists the unexpired registrations of lookups[i]'s
	 * contact that wait for lookups[i]'s event name, claimed ones with their `claim` (so the
	 * claiming event's retry can finish a resume that a crash cut short).
	 */
	find(lookups: WaitLookup[]): Promise<WaitRegistration[][]>;
	/** result[i] answers refs[i]; undefined when missing or (with a token) another registration. */
	get(refs: WaitRef[]): Promise<Array<WaitRegistration | undefined>>;
	/**
	 * Claims one registration for `claimant` (an event id) atomically: exactly one claimant wins
	 * a registration; the same claimant may claim it again.
	 */
	claim(ref: WaitRef & { token: string }, claimant: string): Promise<ClaimResult>;
	/** Removes registrations and their index entries; returns how many existed. */
	remove(refs: WaitRef[]): Promise<number>;
}

/** The wait id of one execution's wait at one node. */
export function makeWaitId(executionId: string, nodeId: string): string {
	return `${executionId}:${nodeId}`;
}
