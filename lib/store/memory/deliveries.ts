import type { DeliveryStore } from '../deliveries';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

const SEP = '\u0000';

/** Webhook delivery ids for replay protection, in process memory. */
export class MemoryDeliveryStore implements DeliveryStore {
	/** value: the holder of a delivery in progress, '' once remembered */
	readonly seen: ExpiringMap<string>;

	constructor(clock: Clock) {
		this.seen = new ExpiringMap(clock);
	}

	async firstSeen(scope: string, ids: string[], ttlSeconds: number, holder = ''): Promise<boolean[]> {
		return ids.map((id) => {
			const key = `${scope}${SEP}${id}`;
			if (this.seen.has(key)) return false;
			this.seen.set(key, holder, ttlSeconds * 1000);
			return true;
		});
	}

	async forget(scope: string, ids: string[], holder?: string): Promise<void> {
		for (const id of ids) {
			const key = `${scope}${SEP}${id}`;
			if (holder === undefined || this.seen.get(key) === holder) this.seen.delete(key);
		}
	}

	async remember(scope: string, ids: string[], ttlSeconds: number): Promise<void> {
		for (const id of ids) this.seen.set(`${scope}${SEP}${id}`, '', ttlSeconds * 1000);
	}
}
