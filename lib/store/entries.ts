/**
 * The journey-entries concept of the store: who entered which journey when, who is in it now,
 * and the re-entry rules Journey Entry applies. One `enter` call per contact and journey is one
 * atomic step (check the rules, record the entry, mark it active), so two executions starting
 * the same journey for one contact at the same moment cannot both enter.
 *
 * Per contact and journey the store keeps:
 *   - each live entry (entry id → entered at, entry key, until when it counts, active or exited);
 *     an entry lives until its journey's maximum duration has passed;
 *   - the last entry (for "once per contact" and "again after N days");
 *   - the last entry per entry key (for "once per key").
 * The last two live for `rememberSeconds` after the latest entry.
 */

export type ReentryRule =
	/** never again once the contact entered this journey */
	| 'oncePerContact'
	/** once per entry key (a cart, an order): a new key enters, a known key does not */
	| 'oncePerKey'
	/** again only when `reentryAfterMs` has passed since the last entry */
	| 'afterPeriod'
	/** whenever the trigger fires */
	| 'anyTime';

export interface EntryRequest {
	contactId: string;
	/** the journey's name */
	journey: string;
	/** names this one pass; the same id entering again is the same entry (n8n's Retry), not a new one */
	entryId: string;
	/** optional entry key ('' or absent: none); required by `oncePerKey` */
	key?: string;
	reentry: ReentryRule;
	/** for `afterPeriod`: ms since the last entry before the contact may enter again */
	reentryAfterMs?: number;
	/** whether a contact still in the journey (an active entry) may enter again */
	whileActive: 'refuse' | 'allow';
	/** how long an entry counts as in the journey without an Exit Journey, ms */
	maxDurationMs: number;
}

export interface EnterOptions {
	/** how long the last entry (and the last entry per key) is remembered after the latest entry */
	rememberSeconds: number;
}

export type EntryReason =
	/** a new entry was recorded */
	| 'entered'
	/** this entry id was recorded before: the same pass through the journey (a retry) */
	| 'same_entry'
	/** refused: the contact is in the journey (while already in the journey = refuse) */
	| 'already_in_journey'
	/** refused: once per contact, and the contact entered before */
	| 'entered_before'
	/** refused: once per key, and this key entered before */
	| 'key_entered_before'
	/** refused: again after a period, and the period since the last entry has not passed */
	| 'too_soon';

export interface EntryDecision {
	entered: boolean;
	reason: EntryReason;
	/** epoch ms: when this entry was recorded (the first time, for `same_entry`); for a refusal, the store's time */
	enteredAt: number;
	/**
	 * epoch ms when a refused contact could enter next: the active entry's end
	 * (`already_in_journey`), the end of the period (`too_soon`); null when never or unknown
	 */
	retryAt: number | null;
	/** epoch ms of the last entry into this journey before this decision, if remembered */
	lastEnteredAt: number | null;
}

export interface ExitRequest {
	contactId: string;
	journey: string;
	/** only the active entries with this entry key; every active entry when absent or '' */
	key?: string;
}

export interface ExitOutcome {
	/** how many active entries ended */
	exited: number;
}

export interface EntryStore {
	/** Applies each request atomically (per contact); result[i] answers requests[i]. */
	enter(requests: EntryRequest[], options: EnterOptions): Promise<EntryDecision[]>;
	/** Ends active entries (Exit Journey); the re-entry rules still remember them. */
	exit(requests: ExitRequest[]): Promise<ExitOutcome[]>;
}

export const REENTRY_RULES: readonly ReentryRule[] = ['oncePerContact', 'oncePerKey', 'afterPeriod', 'anyTime'];

/** Throws when a request cannot be decided (a bug in the caller or bad parameters). */
export function validateEntryRequest(request: EntryRequest): void {
	if (!request.contactId) throw new Error('an entry needs a contact ID');
	if (!request.journey) throw new Error('an entry needs a journey name');
	if (!request.entryId) throw new Error('an entry needs an entry ID');
	if (!REENTRY_RULES.includes(request.reentry)) throw new Error(`unknown re-entry rule "${request.reentry}"`);
	if (request.reentry === 'oncePerKey' && !request.key) throw new Error('re-entry "once per key" needs an entry key');
	if (request.reentry === 'afterPeriod' && !(Number(request.reentryAfterMs) > 0)) {
		throw new Error('re-entry "again after a period" needs a period above 0');
	}
	if (!(request.maxDurationMs > 0)) throw new Error('the maximum duration must be above 0');
}
