import type {
	ClaimResult,
	RegisterWaitOptions,
	WaitLookup,
	WaitRef,
	WaitRegistration,
	WaitStore,
} from '../waits';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

const SEP = '\u0000';

/** Wait registrations in process memory; same semantics as the Redis wait scripts. */
export class MemoryWaitStore implements WaitStore {
	/** `${contactId}\0${waitId}` → registration */
	readonly registrations: ExpiringMap<WaitRegistration>;
	/** `${contactId}\0${eventName}` → waitIds waiting for that name */
	readonly index: ExpiringMap<Set<string>>;

	constructor(private readonly clock: Clock) {
		this.registrations = new ExpiringMap(clock);
		this.index = new ExpiringMap(clock);
	}

	async register(registrations: WaitRegistration[], options: RegisterWaitOptions): Promise<void> {
		for (const registration of registrations) {
			const key = regKey(registration.contactId, registration.waitId);
			const previous = this.registrations.get(key);
			if (previous) this.unindex(previous);
			const ttlMs = Math.max(1, registration.expiresAt - this.clock()) + options.graceSeconds * 1000;
			const stored = structuredClone(registration);
			delete stored.claim;
			this.registrations.set(key, stored, ttlMs);
			for (const name of new Set(registration.match.names)) {
				const indexKey = `${registration.contactId}${SEP}${name}`;
				const set = this.index.get(indexKey) ?? new Set<string>();
				set.add(registration.waitId);
				this.index.set(indexKey, set, Math.max(ttlMs, this.index.ttl(indexKey) ?? 0));
			}
		}
	}

	async find(lookups: WaitLookup[]): Promise<WaitRegistration[][]> {
		const now = this.clock();
		return lookups.map(({ contactId, name }) => {
			const indexKey = `${contactId}${SEP}${name}`;
			const set = this.index.get(indexKey);
			if (!set) return [];
			const found: WaitRegistration[] = [];
			for (const waitId of [...set]) {
				const registration = this.registrations.get(regKey(contactId, waitId));
				if (!registration || !registration.match.names.includes(name)) {
					set.delete(waitId);
					continue;
				}
				if (registration.expiresAt <= now) continue;
				found.push(structuredClone(registration));
			}
			return found;
		});
	}

	async get(refs: WaitRef[]): Promise<Array<WaitRegistration | undefined>> {
		return refs.map((ref) => {
			const registration = this.registrations.get(regKey(ref.contactId, ref.waitId));
			if (!registration || (ref.token !== undefined && registration.token !== ref.token)) return undefined;
			return structuredClone(registration);
		});
	}

	async claim(ref: WaitRef & { token: string }, claimant: string): Promise<ClaimResult> {
		const registration = this.registrations.get(regKey(ref.contactId, ref.waitId));
		if (!registration) return { status: 'missing' };
		if (registration.token !== ref.token) return { status: 'stale' };
		if (registration.claim) {
			if (registration.claim.eventId !== claimant) return { status: 'taken', by: registration.claim.eventId };
			return { status: 'claimed', registration: structuredClone(registration), fresh: false };
		}
		const now = this.clock();
		if (registration.expiresAt <= now) return { status: 'expired' };
		registration.claim = { eventId: claimant, at: now };
		return { status: 'claimed', registration: structuredClone(registration), fresh: true };
	}

	async remove(refs: WaitRef[]): Promise<number> {
		let removed = 0;
		for (const ref of refs) {
			const key = regKey(ref.contactId, ref.waitId);
			const registration = this.registrations.get(key);
			if (!registration || (ref.token !== undefined && registration.token !== ref.token)) continue;
			this.registrations.delete(key);
			this.unindex(registration);
			removed++;
		}
		return removed;
	}

	/** Everything of one contact; called by the contact store's erase. */
	erase(contactId: string): number {
		let removed = 0;
		const prefix = `${contactId}${SEP}`;
		for (const map of [this.registrations, this.index] as Array<ExpiringMap<unknown>>) {
			for (const key of [...map.keys()]) {
				if (key.startsWith(prefix)) {
					map.delete(key);
					removed++;
				}
			}
		}
		return removed;
	}

	private unindex(registration: WaitRegistration): void {
		for (const name of registration.match.names) {
			this.index.get(`${registration.contactId}${SEP}${name}`)?.delete(registration.waitId);
		}
	}
}

function regKey(contactId: string, waitId: string): string {
	return `${contactId}${SEP}${waitId}`;
}
