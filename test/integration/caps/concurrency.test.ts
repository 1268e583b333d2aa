/**
 * "No cap exceeded under concurrency (many workers, one contact)", with real OS
 * processes: 4 processes × 250 concurrent check-and-reserve calls for one contact, cap 3 →
 * exactly 3 allowed, repeated REPETITIONS times; and one message key submitted 1..10 times by
 * every process at once → exactly one slot.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { adminClient, deleteNamespace, HASH_SECRET, REDIS_HOST, REDIS_PORT, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';
import { startWorkers, stopWorkers, type WorkerProcess } from '../helpers/workers';

const PROCESSES = 4;
const CALLS_PER_PROCESS = 250;
const CAP = 3;
const REPETITIONS = 25;


const namespace = uniqueNamespace('conc');
const admin = adminClient();
let workers: Array<WorkerProcess<{ id: number; reasons: string[] }>> = [];
let commandId = 0;

/** Every process fires its calls at the same moment; returns all reasons, per process. */
async function race(contactId: string, calls: number, messageKey?: string): Promise<string[][]> {
	const id = ++commandId;
	const command = { id, namespace, host: REDIS_HOST, port: REDIS_PORT, hashSecret: HASH_SECRET, contactId, calls, limit: CAP, messageKey };
	return await Promise.all(workers.map((w, worker) => w.send({ ...command, worker }).then((reply) => reply.reasons)));
}

beforeAll(async () => {
	await requireRedis();
	workers = await startWorkers(path.join(__dirname, 'worker.ts'), PROCESSES, 'cap worker');
});

afterAll(async () => {
	await stopWorkers(workers);
	await deleteNamespace(admin, namespace);
	await admin.quit();
});

describe('caps under concurrency (4 OS processes, real Redis)', () => {
	it(`${PROCESSES} processes × ${CALLS_PER_PROCESS} concurrent check-and-reserve, cap ${CAP} → exactly ${CAP} allowed, ${REPETITIONS} times`, async () => {
		const distinctPids = new Set(workers.map((w) => w.child.pid));
		expect(distinctPids.size).toBe(PROCESSES);
		const check = RedisStore.standalone(storeConfig(namespace));
		try {
			for (let rep = 0; rep < REPETITIONS; rep++) {
				const contactId = `race-${rep}@example.com`;
				const perProcess = await race(contactId, CALLS_PER_PROCESS);
				const all = perProcess.flat();
				expect(all).toHaveLength(PROCESSES * CALLS_PER_PROCESS);
				expect(all.filter((r) => r.startsWith('error')), 'no call failed').toEqual([]);
				expect(all.filter((r) => r === 'within_limits'), `repetition ${rep}`).toHaveLength(CAP);
				expect(all.filter((r) => r === 'limit_reached')).toHaveLength(PROCESSES * CALLS_PER_PROCESS - CAP);
				// and the store holds exactly CAP sends for the contact
				const [state] = await check.caps.apply([
					{ mode: 'check', contactId, rules: [{ kind: 'limit', id: 'cap', scope: 'all', limit: 1000, window: { kind: 'rolling', ms: 3_600_000 } }] },
				]);
				expect(state.count).toBe(CAP);
			}
		} finally {
			await check.close();
		}
	});

	it('one message key submitted 1..10 times by every process at once takes exactly one slot', async () => {
		const check = RedisStore.standalone(storeConfig(namespace));
		try {
			for (let times = 1; times <= 10; times++) {
				const contactId = `idem-${times}`;
				const all = (await race(contactId, times, `order-confirmation-${times}`)).flat();
				expect(all).toHaveLength(PROCESSES * times);
				expect(all.filter((r) => r === 'within_limits')).toHaveLength(1);
				expect(all.filter((r) => r === 'already_reserved')).toHaveLength(PROCESSES * times - 1);
				const [state] = await check.caps.apply([
					{ mode: 'check', contactId, rules: [{ kind: 'limit', id: 'cap', scope: 'all', limit: 1000, window: { kind: 'rolling', ms: 3_600_000 } }] },
				]);
				expect(state.count).toBe(1);
			}
		} finally {
			await check.close();
		}
	});
});
