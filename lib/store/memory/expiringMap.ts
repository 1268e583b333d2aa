import type { Clock } from './clock';

/**
 * A Map whose entries expire, like Redis keys with a TTL. Expired entries are dropped when
 * touched and by a sweep every `sweepEvery` writes, so a long-running n8n does not grow
 * without bound.
 */
export class ExpiringMap<V> {
	private readonly entries = new Map<string, { value: V; expiresAt: number }>();
	private writes = 0;

	constructor(
		private readonly clock: Clock,
		private readonly sweepEvery = 10_000,
	) {}

	get(key: string): V | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		if (entry.expiresAt <= this.clock()) {
			this.entries.delete(key);
			return undefined;
		}
		return entry.value;
	}

	has(key: string): boolean {
		return this.get(key) !== undefined;
	}

	set(key: string, value: V, ttlMs: number): void {
		this.entries.set(key, { value, expiresAt: this.clock() + ttlMs });
		if (++this.writes % this.sweepEvery === 0) this.sweep();
	}

	/** Remaining time to live in ms, or undefined when the key does not exist. */
	ttl(key: string): number | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		const left = entry.expiresAt - this.clock();
		return left > 0 ? left : undefined;
	}

	delete(key: string): boolean {
		return this.entries.delete(key);
	}

	/** Keys that have not expired; used by erase and by tests that list what a contact left. */
	*keys(): IterableIterator<string> {
		const now = this.clock();
		for (const [key, entry] of this.entries) if (entry.expiresAt > now) yield key;
	}

	private sweep(): void {
		const now = this.clock();
		for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
	}
}
