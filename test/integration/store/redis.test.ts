import { afterAll, beforeAll } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { describeStoreContract } from '../../store-suite';
import { describeWaitContract } from '../../store-suite-waits';
import { describeEntryContract } from '../../store-suite-entries';
import { describeScoreContract } from '../../store-suite-scores';
import { describeSendContract } from '../../store-suite-sends';
import { describeKpiContract } from '../../store-suite-kpis';
import { adminClient, deleteNamespace, requireRedis, sleep, storeConfig, uniqueNamespace } from '../helpers/redis';

beforeAll(requireRedis);
const admin = adminClient();
afterAll(() => admin.quit());

/**
 * Time: the fixture freezes the scripts' clock (the test hook `frozenClockMs`: the cap and event
 * scripts then use that instant instead of Redis TIME), exactly like the memory store's injected
 * clock, so window boundaries are hit to the millisecond; `advance` moves it, `startAt` puts it
 * on a chosen instant (a DST change day). Key TTLs run in real time, so `expire` also sleeps.
 * The concurrency and fault tests (test/integration/caps) run on the real Redis clock.
 */
for (const describeContract of [describeStoreContract, describeWaitContract, describeEntryContract, describeScoreContract, describeSendContract, describeKpiContract]) describeContract('redis', async (options) => {
	const namespace = uniqueNamespace('contract');
	let now = options?.startAt ?? Date.now();
	const store = RedisStore.standalone(storeConfig(namespace), { frozenClockMs: () => now });
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
			await deleteNamespace(admin, namespace);
			await store.close();
		},
	};
});
