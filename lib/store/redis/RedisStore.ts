import type { JourneyStore, StoreInfo } from '../types';
import { RedisCapStore } from './caps';
import { RedisContactStore } from './contacts';
import { RedisEntryStore } from './entries';
import { RedisScoreStore } from './scores';
import { RedisDeliveryStore } from './deliveries';
import { RedisWaitStore } from './waits';
import { configFingerprint, createRedisClient, describeRedis, pooledClient, withDeadline, type RedisStoreConfig, type StoreClient } from './connection';
import { RedisContext } from './context';
import { RedisEventStore } from './events';
import { RedisKeys } from './keys';
import { testClockOffset } from '../testClock';
import { RedisSendStore } from './sends';
import { RedisKpiStore } from './kpis';

export interface RedisStoreOptions {
	/** use this client instead of the process pool (tests, benchmarks); the store then owns it */
	client?: StoreClient;
	/**
	 * Test hook: ms added to the Redis server clock inside the scripts, read on every call, so a
	 * test can move time forward without sleeping. Key TTLs still run in real time.
	 */
	clockOffsetMs?: () => number;
	/**
	 * Test hook: when it returns a number, the scripts that accept it (caps, events) use exactly
	 * that time instead of Redis TIME, and the others get it as an offset. Never set in production.
	 */
	frozenClockMs?: () => number | undefined;
	/** how long a day's journey KPI counters live after their last change (default 400 days) */
	kpiRetentionDays?: number;
}

/** The production store: every concept on one pooled ioredis client per credential. */
export class RedisStore implements JourneyStore {
	readonly info: StoreInfo;
	readonly ctx: RedisContext;
	readonly keys: RedisKeys;
	readonly events: RedisEventStore;
	readonly caps: RedisCapStore;
	readonly waits: RedisWaitStore;
	readonly deliveries: RedisDeliveryStore;
	readonly contacts: RedisContactStore;
	readonly entries: RedisEntryStore;
	readonly scores: RedisScoreStore;
	readonly sends: RedisSendStore;
	readonly kpis: RedisKpiStore;
	private readonly ownsClient: boolean;

	constructor(
		readonly config: RedisStoreConfig,
		options: RedisStoreOptions = {},
	) {
		this.info = { kind: 'redis', namespace: config.namespace };
		this.keys = new RedisKeys(config.namespace, config.hashSecret);
		this.ownsClient = options.client !== undefined;
		const client = options.client ?? pooledClient(config);
		this.ctx = new RedisContext(client, this.keys, config.commandTimeoutMs, describeRedis(config), options.clockOffsetMs, options.frozenClockMs, config.replicaAcks);
		this.events = new RedisEventStore(this.ctx);
		this.caps = new RedisCapStore(this.ctx);
		this.waits = new RedisWaitStore(this.ctx);
		this.deliveries = new RedisDeliveryStore(this.ctx);
		this.contacts = new RedisContactStore(this.ctx);
		this.entries = new RedisEntryStore(this.ctx);
		this.scores = new RedisScoreStore(this.ctx);
		this.sends = new RedisSendStore(this.ctx);
		this.kpis = new RedisKpiStore(this.ctx, options.kpiRetentionDays);
	}

	/** A store with its own client (not pooled): tests, benchmarks, the credential test. */
	static standalone(config: RedisStoreConfig, options: Omit<RedisStoreOptions, 'client'> = {}): RedisStore {
		return new RedisStore(config, { ...options, client: createRedisClient(config) });
	}

	async now(): Promise<number> {
		const frozen = this.ctx.timeArg();
		if (typeof frozen === 'string') return Number(frozen.slice(1));
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const [sec, usec] = await withDeadline(this.ctx.client.time(), deadline, this.ctx.where);
		return Number(sec) * 1000 + Math.floor(Number(usec) / 1000) + this.ctx.offsetMs();
	}

	/** Closes a store's own client; pooled clients stay open for the other stores of the process. */
	async close(): Promise<void> {
		if (!this.ownsClient) return;
		await this.ctx.client.quit().catch(() => this.ctx.client.disconnect());
	}
}

const stores = new Map<string, RedisStore>();

/** The process-wide store of a credential: every node of the package gets the same one. */
export function getRedisStore(config: RedisStoreConfig): RedisStore {
	const id = configFingerprint(config);
	let store = stores.get(id);
	if (!store || store.ctx.client.status === 'end') {
		store = new RedisStore(config, { clockOffsetMs: testClockOffset(config.namespace) });
		stores.set(id, store);
	}
	return store;
}
