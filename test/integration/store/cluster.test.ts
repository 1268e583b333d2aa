/**
 * The store contract on a real Redis Cluster (3 masters, 1 replica each; see
 * helpers/redis-cluster.ts): every suite the memory and single-server stores pass, through the
 * credential's Cluster connection type. Cluster refuses any script call or command whose keys
 * span two hash slots (CROSSSLOT), and ioredis any pipeline spanning two masters, so these
 * suites passing shows every store operation is slot-clean and batches are split per master.
 * The clock is frozen as in redis.test.ts (see redis-contracts.ts).
 */
import { afterAll, beforeAll } from 'vitest';
import { RedisClusterFixture } from '../helpers/redis-cluster';
import { describeRedisContracts } from './redis-contracts';

let cluster: RedisClusterFixture;
beforeAll(async () => {
	cluster = await RedisClusterFixture.start();
}, 120_000);
afterAll(() => cluster?.stop());

describeRedisContracts('redis cluster', () => ({ config: (namespace) => cluster.config(namespace), deleteNamespace: (namespace) => cluster.deleteNamespace(namespace) }));
