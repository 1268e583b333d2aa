/**
 * Every store contract suite (test/store-suite*.ts) on a Redis store, for each way of reaching
 * Redis (redis.test.ts: one server; cluster.test.ts: a Redis Cluster). A new suite is added here
 * once and runs on both.
 *
 * Time: the fixture freezes the scripts' clock (the test hook `frozenClockMs`: the cap and event
 * scripts then use that instant instead of Redis TIME), exactly like the memory store's injected
 * clock, so window boundaries are hit to the millisecond; `advance` moves it, `startAt` puts it
 * on a chosen instant (a DST change day). Key TTLs run in real time, so `expire` also sleeps.
 */
import type { RedisStoreConfig } from '../../../lib/store/redis/connection';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { describeStoreContract } from '../../store-suite';
import { describeWaitContract } from '../../store-suite-waits';
import { describeEntryContract } from '../../store-suite-entries';
import { describeScoreContract } from '../../store-suite-scores';
import { describeSendContract } from '../../store-suite-sends';
import { describeKpiContract } from '../../store-suite-kpis';
import { sleep, uniqueNamespace } from '../helpers/redis';

const CONTRACTS = [describeStoreContract, describeWaitContract, describeEntryContract, describeScoreContract, describeSendContract, describeKpiContract];

export interface RedisUnderTest {
	/** a store credential for a fresh namespace */
	config(namespace: string): RedisStoreConfig;
	/** deletes a namespace's keys after each test */
	deleteNamespace(namespace: string): Promise<void>;
}

export function describeRedisContracts(name: string, redis: () => RedisUnderTest): void {
	for (const describeContract of CONTRACTS) {
		describeContract(name, async (options) => {
			const namespace = uniqueNamespace('contract');
			let now = options?.startAt ?? Date.now();
			const store = RedisStore.standalone(redis().config(namespace), { frozenClockMs: () => now });
			return {
				store,
				advance: (ms) => {
					now += ms;
				},
				expire: async (ms) => {
					now += ms;
					await sleep(ms);
				},
				cleanup: async () => {
					await redis().deleteNamespace(namespace);
					await store.close();
				},
			};
		});
	}
}
