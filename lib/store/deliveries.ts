/**
 * Delivery ids (the Standard Webhooks `webhook-id`) seen by the Journey Event Trigger, kept for
 * the signature tolerance window so a replayed request is refused.
 */
export interface DeliveryStore {
	/**
	 * result[i] is true when ids[i] was not seen before in `scope` (and is now held by `holder`,
	 * a random id of this delivery attempt, for `ttlSeconds`).
	 */
	firstSeen(scope: string, ids: string[], ttlSeconds: number, holder?: string): Promise<boolean[]>;
	/**
	 * Forgets ids again (a delivery that failed, so the sender's retry is not refused). With a
	 * `holder`, only ids that holder still holds: a late forget cannot free a retry's hold.
	 */
	forget(scope: string, ids: string[], holder?: string): Promise<void>;
	/** Remembers ids for `ttlSeconds` from now, seen before or not (a delivery fully processed). */
	remember(scope: string, ids: string[], ttlSeconds: number): Promise<void>;
}
