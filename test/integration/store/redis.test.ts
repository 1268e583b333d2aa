import { afterAll, beforeAll } from 'vitest';
import { adminClient, deleteNamespace, requireRedis, storeConfig } from '../helpers/redis';
import { describeRedisContracts } from './redis-contracts';

beforeAll(requireRedis);
const admin = adminClient();
afterAll(() => admin.quit());

/**
 * The store contract suites on one Redis server (see redis-contracts.ts for the frozen clock).
 * The concurrency and fault tests (test/integration/caps) run on the real Redis clock.
 */
describeRedisContracts('redis', () => ({ config: storeConfig, deleteNamespace: (namespace) => deleteNamespace(admin, namespace) }));
