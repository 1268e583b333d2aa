/**
 * The store contract on a real Redis Cluster (3 masters, 1 replica each; see
 * helpers/redis-cluster.ts): every suite the memory and single-server stores pass, through the
 * credential's Cluster connection type. Cluster refuses any script call or command whose keys
 * span two hash slots (CROSSSLOT), and ioredis any pipeline spanning two masters, so these
 * suites passing shows every store operation is slot-clean and batches are split per master.
 * The clock is frozen as in redis.test.ts.
 */
import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { describeStoreContract } from '../../store-suite';
import { describeWaitContract } from '../../store-suite-waits';
import { describeEntryContract } from '../../store-suite-entries';
import { describeScoreContract } from '../../store-suite-scores';
import { describeSendContract } from '../../store-suite-sends';
import { sleep, uniqueNamespace } from '../helpers/redis';
import { RedisClusterFixture } from '../helpers/redis-cluster';

let cluster: RedisClusterFixture;
beforeAll(async () => {
	cluster = await RedisClusterFixture.start();
}, 120_000);
afterAll(() => cluster?.stop());

for (const describeContract of [describeStoreContract, describeWaitContract, describeEntryContract, describeScoreContract, describeSendContract]) describeContract('redis cluster', async (options) => {
	const namespace = uniqueNamespace('cluster');
	let now = options?.startAt ?? Date.now();
	const store = RedisStore.standalone(cluster.config(namespace), { frozenClockMs: () => now });
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
			await cluster.deleteNamespace(namespace);
			await store.close();
		},
	};
});
