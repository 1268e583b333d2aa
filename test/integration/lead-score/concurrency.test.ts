/**
 * Lead scores under concurrency, with real OS processes and real Redis: 4 processes × 250
 * concurrent point events for one contact give the exact total and exactly one threshold
 * crossing; a "once" rule raced by every call of every process counts exactly once.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import type { ScoreAward, ScoreOptions } from '../../../lib/store/scores';
import { adminClient, deleteNamespace, HASH_SECRET, REDIS_HOST, REDIS_PORT, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';
import { startWorkers, stopWorkers, type WorkerProcess } from '../helpers/workers';

const PROCESSES = 4;
const CALLS_PER_PROCESS = 250;

type Result = { crossed: string[]; points: number } | { error: string };


const namespace = uniqueNamespace('score-conc');
const admin = adminClient();
let workers: Array<WorkerProcess<{ id: number; results: Result[] }>> = [];
let commandId = 0;

async function race(contactId: string, awards: ScoreAward[], options: ScoreOptions): Promise<Result[]> {
	const id = ++commandId;
	const command = { id, namespace, host: REDIS_HOST, port: REDIS_PORT, hashSecret: HASH_SECRET, contactId, calls: CALLS_PER_PROCESS, awards, options };
	return (await Promise.all(workers.map((w, worker) => w.send({ ...command, worker }).then((reply) => reply.results)))).flat();
}

beforeAll(async () => {
	await requireRedis();
	workers = await startWorkers(path.join(__dirname, 'worker.ts'), PROCESSES, 'score worker');
});

afterAll(async () => {
	await stopWorkers(workers);
	await deleteNamespace(admin, namespace);
	await admin.quit();
});

const options: ScoreOptions = {
	settings: {
		groups: { fit: { decay: { kind: 'none' } }, engagement: { decay: { kind: 'halfLife', ms: 30 * 86_400_000 } } },
		thresholds: [{ name: 'mql', score: 1500, group: 'total' }],
	},
	ttlSeconds: 3600,
	logLimit: 20,
	timeoutMs: 20_000,
};

describe('lead scores under concurrency (4 OS processes, real Redis)', () => {
	it(`${PROCESSES} processes × ${CALLS_PER_PROCESS} concurrent point events → the exact total and exactly one crossing`, async () => {
		expect(new Set(workers.map((w) => w.child.pid)).size).toBe(PROCESSES);
		const check = RedisStore.standalone(storeConfig(namespace));
		try {
			const contactId = 'race@example.com';
			const results = await race(contactId, [{ rule: 'visit', group: 'fit', points: 2, repeat: { kind: 'every' } }], options);
			expect(results).toHaveLength(PROCESSES * CALLS_PER_PROCESS);
			expect(results.filter((r) => 'error' in r), 'no call failed').toEqual([]);
			const crossings = results.filter((r) => 'crossed' in r && r.crossed.length > 0);
			expect(crossings).toEqual([{ crossed: ['mql'], points: 2 }]);
			const [state] = await check.scores.get([contactId], options);
			expect(state.total).toBe(2 * PROCESSES * CALLS_PER_PROCESS);
			expect(state.above).toEqual(['mql']);
			expect((await check.scores.log([contactId], 100))[0]).toHaveLength(options.logLimit);
		} finally {
			await check.close();
		}
	});

	it('a "once" rule raced by every call of every process counts exactly once', async () => {
		const check = RedisStore.standalone(storeConfig(namespace));
		try {
			for (let rep = 0; rep < 3; rep++) {
				const contactId = `once-${rep}@example.com`;
				const awards: ScoreAward[] = [
					{ rule: 'signed-up', group: 'fit', points: 25, repeat: { kind: 'atMost', n: 1 } },
					{ rule: 'three-times', group: 'engagement', points: 1, repeat: { kind: 'atMost', n: 3 } },
				];
				const results = await race(contactId, awards, options);
				expect(results.filter((r) => 'error' in r)).toEqual([]);
				const given = results.map((r) => ('points' in r ? r.points : 0));
				expect(given.filter((p) => p === 26)).toHaveLength(1);
				expect(given.filter((p) => p !== 0).reduce((a, b) => a + b, 0)).toBe(28);
				const [state] = await check.scores.get([contactId], options);
				expect(state.groups).toEqual({ fit: 25, engagement: 3 });
			}
		} finally {
			await check.close();
		}
	});
});
