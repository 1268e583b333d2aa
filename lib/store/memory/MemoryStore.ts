import type { JourneyStore, StoreInfo } from '../types';
import { systemClock, type Clock } from './clock';
import { MemoryEventStore } from './events';
import { MemoryCapStore } from './caps';
import { MemoryContactStore } from './contacts';
import { MemoryEntryStore } from './entries';
import { MemoryScoreStore } from './scores';
import { MemoryDeliveryStore } from './deliveries';
import { MemoryWaitStore } from './waits';
import { testClockOffset } from '../testClock';
import { MemorySendStore } from './sends';
import { MemoryKpiStore } from './kpis';

export interface MemoryStoreOptions {
	namespace?: string;
	clock?: Clock;
	/** how long a day's journey KPI counters live after their last change (default 400 days) */
	kpiRetentionDays?: number;
}

/**
 * The embedded store for one n8n process with no Redis: trials, the demo, development.
 * It is not shared between processes (queue-mode workers each have their own), which the
 * nodes say in their store parameter.
 */
export class MemoryStore implements JourneyStore {
	readonly info: StoreInfo;
	readonly events: MemoryEventStore;
	readonly caps: MemoryCapStore;
	readonly waits: MemoryWaitStore;
	readonly deliveries: MemoryDeliveryStore;
	readonly contacts: MemoryContactStore;
	readonly entries: MemoryEntryStore;
	readonly scores: MemoryScoreStore;
	readonly sends: MemorySendStore;
	readonly kpis: MemoryKpiStore;
	private readonly clock: Clock;

	constructor(options: MemoryStoreOptions = {}) {
		this.clock = options.clock ?? systemClock;
		this.info = { kind: 'memory', namespace: options.namespace ?? 'default' };
		this.events = new MemoryEventStore(this.clock);
		this.caps = new MemoryCapStore(this.clock);
		this.waits = new MemoryWaitStore(this.clock);
		this.deliveries = new MemoryDeliveryStore(this.clock);
		this.entries = new MemoryEntryStore(this.clock);
		this.scores = new MemoryScoreStore(this.clock);
		this.sends = new MemorySendStore(this.clock);
		this.kpis = new MemoryKpiStore(this.clock, options.kpiRetentionDays);
		// erase walks every concept of this store (events, caps, waits, contact state)
		this.contacts = new MemoryContactStore(this.clock, () => Object.values(this).filter((v) => typeof v === 'object' && v !== null));
	}

	async now(): Promise<number> {
		return this.clock();
	}

	async close(): Promise<void> {}
}

const processStores = new Map<string, MemoryStore>();

/** The process-wide memory store of a namespace: every node of the package gets the same one. */
export function getMemoryStore(namespace = 'default'): MemoryStore {
	let store = processStores.get(namespace);
	if (!store) {
		const offset = testClockOffset(namespace);
		store = new MemoryStore({ namespace, clock: offset && (() => Date.now() + offset()) });
		processStores.set(namespace, store);
	}
	return store;
}
