import type {
	ContactState,
	ContactStateChange,
	ContactStateOptions,
	ContactStore,
	EraseOutcome,
} from '../contacts';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

const SEP = '\u0000';

/**
 * Consent / unsubscribe state in process memory. `erase` removes the contact from every concept
 * of the store: each concept's own `erase(contactId)` runs, then any entry still keyed by the
 * contact (the key is the contact id, or starts with the contact id and `\0`) in any of the
 * concepts' expiring maps is dropped, so a concept added later cannot keep data by accident.
 */
export class MemoryContactStore implements ContactStore {
	/** contactId → state */
	readonly states: ExpiringMap<ContactState>;

	constructor(
		clock: Clock,
		/** the store's concept objects (events, waits, caps, …), read at erase time */
		private readonly concepts: () => object[],
	) {
		this.states = new ExpiringMap(clock);
	}

	async get(contactIds: string[]): Promise<Array<ContactState | undefined>> {
		return contactIds.map((id) => {
			const state = this.states.get(id);
			return state ? structuredClone(state) : undefined;
		});
	}

	async update(changes: ContactStateChange[], options: ContactStateOptions): Promise<ContactState[]> {
		return changes.map((change) => {
			const state = this.states.get(change.contactId) ?? {
				contactId: change.contactId,
				consent: {},
				subscriptions: {},
				updatedAt: 0,
			};
			applyChange(state, change);
			this.states.set(change.contactId, state, options.ttlSeconds * 1000);
			return structuredClone(state);
		});
	}

	async erase(contactIds: string[]): Promise<EraseOutcome[]> {
		return contactIds.map((contactId) => {
			const maps = this.maps();
			const before = countKeys(maps, contactId);
			for (const concept of this.concepts()) {
				const erase = (concept as { erase?: unknown }).erase;
				if (concept !== this && typeof erase === 'function') erase.call(concept, contactId);
			}
			for (const map of maps) for (const key of matchingKeys(map, contactId)) map.delete(key);
			return { contactId, removed: before };
		});
	}

	/** Every ExpiringMap held by a concept (including this one). */
	private maps(): Array<ExpiringMap<unknown>> {
		const maps: Array<ExpiringMap<unknown>> = [];
		for (const concept of this.concepts()) {
			for (const value of Object.values(concept)) if (value instanceof ExpiringMap) maps.push(value);
		}
		if (!maps.includes(this.states as ExpiringMap<unknown>)) maps.push(this.states as ExpiringMap<unknown>);
		return maps;
	}
}

/** Latest decision per topic wins; a change older than the stored decision is ignored. */
export function applyChange(state: ContactState, change: ContactStateChange): void {
	for (const [topic, granted] of Object.entries(change.consent ?? {})) {
		const current = state.consent[topic];
		if (current && current.at > change.at) continue;
		state.consent[topic] = { granted, at: change.at, ...(change.source ? { source: change.source } : {}) };
	}
	const source = change.source ? { source: change.source } : {};
	for (const [channels, subscribed] of [
		[change.unsubscribe ?? [], false],
		[change.resubscribe ?? [], true],
	] as const) {
		for (const channel of channels) {
			const current = state.subscriptions[channel];
			if (current && current.at > change.at) continue;
			state.subscriptions[channel] = { subscribed, at: change.at, ...source };
		}
	}
	if (change.globalHoldout && !state.globalHoldout) state.globalHoldout = { ...change.globalHoldout, at: change.at };
	state.updatedAt = Math.max(state.updatedAt, change.at);
}

function matchingKeys(map: ExpiringMap<unknown>, contactId: string): string[] {
	const prefix = `${contactId}${SEP}`;
	return [...map.keys()].filter((key) => key === contactId || key.startsWith(prefix));
}

function countKeys(maps: Array<ExpiringMap<unknown>>, contactId: string): number {
	return maps.reduce((sum, map) => sum + matchingKeys(map, contactId).length, 0);
}
