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
	/** the journey's conversion goal: a new entry keeps it, so a later event can convert it once */
	goal?: ConversionGoal;
	/** the experiment variant the item had at entry (kept with the goal; Journey Split may set it later) */
	variant?: string;
}

/**
 * A journey's conversion goal (Journey Entry's parameters): an event named `event`, meeting
 * `conditions` (a rules-package condition tree on the event's properties, as JSON text; '' for
 * none), that occurs within `windowMs` after the entry converts that entry — once.
 */
export interface ConversionGoal {
	event: string;
	conditions?: string;
	windowMs: number;
}

/** Names one entry of one contact in one journey. */
export interface EntryRef {
	contactId: string;
	journey: string;
	entryId: string;
}

/**
 * Entries of journeys with a conversion goal also keep their experiment variant and the step
 * (n8n node name) of the last message sent to them: what a conversion is attributed to. An
 * entry without a goal keeps neither (nothing would read them); a variant or send for it is a no-op.
 */
export interface EntryVariant extends EntryRef {
	/** Journey Split's variant ('holdout' for the holdout) */
	variant: string;
}

export interface EntrySend extends EntryRef {
	/** the node (step) that sent the message */
	step: string;
}

/** Which goals an event of a contact could convert: those with its name, open at `at`, not converted yet. */
export interface GoalQuery {
	contactId: string;
	/** the event's name */
	event: string;
	/** epoch ms the event occurred: within [entered at, entered at + window] */
	at: number;
}

export interface OpenGoal {
	/** opaque: names the entry to `convert` */
	ref: string;
	/** the goal's condition tree (JSON text), '' for none: the caller checks it on the event */
	conditions: string;
}

export interface ConversionClaim {
	contactId: string;
	/** OpenGoal.ref */
	ref: string;
}

export interface Conversion {
	/** true for the one claim that converted the entry; false when it was converted before (or is gone) */
	converted: boolean;
	journey: string;
	/** the entry's variant, '' when none */
	variant: string;
	/** the step of the last message sent to the entry, '' when none */
	step: string;
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
	/** Sets the experiment variant of entries with a goal (Journey Split); one round trip. */
	setVariant(requests: EntryVariant[]): Promise<void>;
	/** Records the step of the last message sent to entries with a goal (Channel Send); one round trip. */
	recordSend(requests: EntrySend[]): Promise<void>;
	/** The goals each event could convert (result[i] answers queries[i]); one round trip. */
	openGoals(queries: GoalQuery[]): Promise<OpenGoal[][]>;
	/** Converts each claimed entry at most once, atomically (result[i] answers claims[i]); one round trip. */
	convert(claims: ConversionClaim[]): Promise<Conversion[]>;
}

/** Throws when a goal cannot be kept (bad parameters). */
export function validateConversionGoal(goal: ConversionGoal): void {
	if (!goal.event) throw new Error('a conversion goal needs an event name');
	if (!(goal.windowMs > 0)) throw new Error('a conversion goal needs a window above 0');
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
	if (request.goal) validateConversionGoal(request.goal);
}
