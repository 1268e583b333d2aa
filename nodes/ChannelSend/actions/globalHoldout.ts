import { inGlobalHoldout, TEST_STORE_SUFFIX, type ContactState, type JourneyStore } from '../../../lib';

/** How long a global holdout decision is kept after the contact's last state change (5 years, as consent). */
const DECISION_TTL_SECONDS = 1825 * 86_400;

/**
 * Places the marketing contacts not yet decided in or out of the store's global holdout (a hash
 * of the contact id salted with the key namespace, so each client has its own group) and records
 * the decision with the contact in one store call; a decision already recorded stays, so the
 * group is stable and the same for every Channel Send of the store. Updates `states`.
 */
export async function decideGlobalHoldout(store: JourneyStore, contactIds: string[], percent: number, states: Map<string, ContactState | undefined>, now: number): Promise<void> {
	if (!(percent > 0)) return;
	const salt = store.info.namespace.endsWith(TEST_STORE_SUFFIX) ? store.info.namespace.slice(0, -TEST_STORE_SUFFIX.length) : store.info.namespace;
	const undecided = [...new Set(contactIds)].filter((id) => !states.get(id)?.globalHoldout);
	if (undecided.length === 0) return;
	const recorded = await store.contacts.update(
		undecided.map((contactId) => ({ contactId, at: now, globalHoldout: { held: inGlobalHoldout(contactId, percent, salt), percent } })),
		{ ttlSeconds: DECISION_TTL_SECONDS },
	);
	undecided.forEach((id, i) => states.set(id, recorded[i]));
}
