/**
 * Journey KPIs under concurrency, with real OS processes and real Redis: 4 processes each run 25
 * Frequency Cap executions at once over one small pool of contacts (so the caps race), and the
 * counters then hold exactly what the items' outputs say, per variant and outcome; 4 processes
 * recording copies of one conversion event at once convert the entry once.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../lib/store/redis/RedisStore';
import { adminClient, deleteNamespace, HASH_SECRET, REDIS_HOST, REDIS_PORT, requireRedis, storeConfig, uniqueNamespace } from '../helpers/redis';
import { startWorkers, stopWorkers, type WorkerProcess } from '../helpers/workers';

const PROCESSES = 4;
const EXECUTIONS = 25;
const ITEMS = 40;

type Reply = { id: number; seen?: Record<string, number>; converted?: number; error?: string };

const namespace = uniqueNamespace('kpi-conc');
const credential = { host: REDIS_HOST, port: REDIS_PORT, namespace, hashSecret: HASH_SECRET };
const admin = adminClient();
const store = RedisStore.standalone(storeConfig(namespace));
let workers: Array<WorkerProcess<Reply>> = [];
let commandId = 0;

beforeAll(async () => {
	await requireRedis();
	workers = await startWorkers(path.join(__dirname, 'worker.ts'), PROCESSES, 'kpi worker');
	// bundling the node and starting 4 processes takes a while on a busy machine
}, 120_000);

afterAll(async () => {
	await stopWorkers(workers);
	await deleteNamespace(admin, namespace);
	await store.close();
	await admin.quit();
});

describe('journey KPIs under concurrency (4 OS processes, real Redis)', () => {
	it(`${PROCESSES} processes × ${EXECUTIONS} concurrent Frequency Cap executions → counters equal the outputs exactly`, async () => {
		expect(new Set(workers.map((w) => w.child.pid)).size).toBe(PROCESSES);
		const day = store.kpis.today();
		const replies = await Promise.all(
			workers.map((w, worker) =>
				w.send({ id: ++commandId, type: 'cap', credential, worker, executions: EXECUTIONS, itemsPerExecution: ITEMS, contacts: 50, journey: 'race-journey' }),
			),
		);
		expect(replies.filter((r) => r.error)).toEqual([]);
		const expected = new Map<string, number>();
		for (const reply of replies) for (const [key, n] of Object.entries(reply.seen!)) expected.set(key, (expected.get(key) ?? 0) + n);
		// 2 a day per contact, whoever wins the races: the 45 contacts whose items carry a journey
		// (items of contacts 9, 19, … have none) get 90 allowed; the rest is capped
		const allowed = [...expected].filter(([key]) => key.endsWith('|allowed')).reduce((sum, [, n]) => sum + n, 0);
		expect(allowed).toBe(90);
		const total = [...expected.values()].reduce((a, b) => a + b, 0);
		expect(total).toBe((PROCESSES * EXECUTIONS * ITEMS * 9) / 10);

		const rows = await store.kpis.read({ journeys: ['race-journey'], fromDay: day, toDay: day });
		expect(rows.every((r) => r.step === 'Node Under Test' && r.day === day)).toBe(true);
		expect(new Map(rows.map((r) => [`${r.variant}|${r.outcome}`, r.count]))).toEqual(expected);
	}, 120_000);

	it('copies of one conversion event recorded by 4 processes at once convert the entry once', async () => {
		const contactId = 'buyer@example.com';
		const [entered] = await store.entries.enter(
			[
				{
					contactId,
					journey: 'race-journey',
					entryId: 'entry-1',
					reentry: 'anyTime',
					whileActive: 'refuse',
					maxDurationMs: 86_400_000,
					goal: { event: 'purchase', windowMs: 86_400_000 },
					variant: 'B',
				},
			],
			{ rememberSeconds: 3600 },
		);
		expect(entered.entered).toBe(true);
		await store.entries.recordSend([{ contactId, journey: 'race-journey', entryId: 'entry-1', step: 'Email 24h' }]);
		const day = store.kpis.today();
		const event = { id: 'order-1', contactId, name: 'purchase', properties: { total: 80 }, occurredAt: entered.enteredAt + 1000 };
		// each process records the same event 3 times, and another purchase once
		const replies = await Promise.all(
			workers.flatMap((w) => [
				...[1, 2, 3].map(() => w.send({ id: ++commandId, type: 'convert', credential, event })),
				w.send({ id: ++commandId, type: 'convert', credential, event: { ...event, id: `order-${w.child.pid}` } }),
			]),
		);
		expect(replies.filter((r) => r.error)).toEqual([]);
		expect(replies.reduce((sum, r) => sum + (r.converted ?? 0), 0)).toBe(1);
		const rows = await store.kpis.read({ journeys: ['race-journey'], fromDay: day, toDay: day });
		expect(rows.filter((r) => r.outcome === 'converted')).toEqual([{ journey: 'race-journey', step: 'Email 24h', variant: 'B', day, outcome: 'converted', count: 1 }]);
	}, 60_000);
});
