import { MemoryStore } from '../../../lib/store/memory/MemoryStore';
import { describeStoreContract } from '../../store-suite';
import { describeWaitContract } from '../../store-suite-waits';
import { describeEntryContract } from '../../store-suite-entries';
import { describeScoreContract } from '../../store-suite-scores';
import { describeSendContract } from '../../store-suite-sends';
import { describeKpiContract } from '../../store-suite-kpis';

for (const describeContract of [describeStoreContract, describeWaitContract, describeEntryContract, describeScoreContract, describeSendContract, describeKpiContract]) describeContract('memory', async (options) => {
	let now = options?.startAt ?? Date.now();
	const store = new MemoryStore({ namespace: 'test', clock: () => now });
	return {
		store,
		advance: (ms) => {
			now += ms;
		},
		expire: async (ms) => {
			now += ms;
		},
		cleanup: () => store.close(),
	};
});
