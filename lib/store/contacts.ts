/**
 * The contact-state concept of the store: consent and unsubscribes (the suppression state
 * Channel Send enforces) and erasure of everything the store holds about a contact.
 *
 * Consent is kept per topic (a channel such as `email`, `sms`, `push`, `kakao`, or a purpose
 * such as `marketing`, `night` for Korean night-time advertising consent). Each topic keeps its
 * latest decision by time: a change older than the one stored is ignored, so events that arrive
 * out of order cannot undo a newer opt-out.
 */

export interface ConsentRecord {
	granted: boolean;
	/** epoch ms of the decision */
	at: number;
	/** where it came from (form, import, unsubscribe link, …) */
	source?: string;
}

export interface SubscriptionRecord {
	subscribed: boolean;
	/** epoch ms of the decision */
	at: number;
	source?: string;
}

export interface ContactState {
	contactId: string;
	/** topic → latest decision */
	consent: Record<string, ConsentRecord>;
	/**
	 * channel (or `all`) → latest subscribe / unsubscribe decision; no entry means subscribed.
	 * Kept as a record (not deleted on resubscribe) so an older unsubscribe arriving late cannot
	 * override a newer resubscribe.
	 */
	subscriptions: Record<string, SubscriptionRecord>;
	/**
	 * Whether the contact is in the client's global holdout (no marketing from any journey), as
	 * first decided; absent while no Channel Send with a Global Holdout has seen the contact.
	 */
	globalHoldout?: GlobalHoldoutRecord;
	/** epoch ms of the last change applied */
	updatedAt: number;
}

export interface GlobalHoldoutRecord {
	held: boolean;
	/** the Global Holdout (%) it was decided with */
	percent: number;
	/** epoch ms of the decision */
	at: number;
}

export interface ContactStateChange {
	contactId: string;
	/** epoch ms of the change (the event's occurredAt) */
	at: number;
	/** topic → decision */
	consent?: Record<string, boolean>;
	/** channels (or `all`) to unsubscribe from */
	unsubscribe?: string[];
	/** channels (or `all`) to resubscribe to */
	resubscribe?: string[];
	/** the global holdout decision; kept only when none is stored yet (the first decision stays) */
	globalHoldout?: { held: boolean; percent: number };
	source?: string;
}

export interface ContactStateOptions {
	/** how long the state lives after its last change */
	ttlSeconds: number;
}

export interface EraseOutcome {
	contactId: string;
	/** how many stored entries (Redis keys, memory entries) were removed */
	removed: number;
}

export interface ContactStore {
	/** result[i] answers contactIds[i]; undefined when nothing is stored. */
	get(contactIds: string[]): Promise<Array<ContactState | undefined>>;
	/** Applies changes (latest decision per topic wins); result[i] is the state after changes[i]. */
	update(changes: ContactStateChange[], options: ContactStateOptions): Promise<ContactState[]>;
	/** Removes everything the store holds about each contact, in every concept. */
	erase(contactIds: string[]): Promise<EraseOutcome[]>;
}

/** The channel-level answer Channel Send needs: may this contact be messaged on `channel`? */
export function suppressionOf(
	state: ContactState | undefined,
	channel: string,
	options: { marketing?: boolean } = {},
): { suppressed: boolean; reason?: string } {
	if (!state) return { suppressed: false };
	if (state.subscriptions.all?.subscribed === false) return { suppressed: true, reason: 'unsubscribed_all' };
	if (state.subscriptions[channel]?.subscribed === false)
		return { suppressed: true, reason: `unsubscribed_${channel}` };
	if (state.consent[channel]?.granted === false) return { suppressed: true, reason: `no_consent_${channel}` };
	if (options.marketing && state.consent.marketing?.granted === false)
		return { suppressed: true, reason: 'no_consent_marketing' };
	return { suppressed: false };
}
