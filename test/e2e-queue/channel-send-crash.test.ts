/**
 * Channel Send exactly once when a worker dies mid-send: one execution sends 500 messages
 * (webhook channel, Redis store) to a slow receiver on 127.0.0.1 that keeps what it accepted
 * keyed by webhook-id, as a Standard Webhooks receiver does. The worker running it is killed
 * (SIGKILL, with its task runner) once about a fifth has gone out; the main marks the execution
 * failed (or crashed), and the user sends the campaign again (n8n's Retry of a stalled job runs
 * nothing: the main replaced its data with the error) once the claims' leases have run out (the
 * namespace's store clock is moved past them). Every contact then holds the
 * message exactly once, or the second run reports it outcome_unknown; a message is posted again only
 * under its first webhook-id, and only if its first post went out before the kill.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sleep, startN8n } from '../../scripts/n8n/index.mjs';
import { startHttp, type HttpFixture } from '../integration/channel-send/servers';
import { api, importWorkflow, onlyWebhookPath, outputItems, postToWebhook, printN8nLogOnFailure, type Workflow } from '../e2e/helpers';
import { connectRedis, deleteNamespace, finishedExecutions, signingCredential, storeCredential } from './helpers';

printN8nLogOnFailure();

const MESSAGES = 500;
const KILL_AFTER = 100;
const SENT = 0;
const NOT_SENT = 1;
/** Channel Send's claim lease (nodes/ChannelSend/actions/router.ts LEASE_MS) and a minute more */
const PAST_THE_LEASES_MS = 11 * 60_000;

const namespace = `e2e-queue-send-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let receiver: HttpFixture;

beforeAll(async () => {
	redis = await connectRedis();
	// 10 requests in flight (the node's default concurrency), 150 ms each: 500 take about 8 s
	receiver = await startHttp({ delayMs: 150 });
});

afterAll(async () => {
	await receiver?.close();
	if (redis) {
		await deleteNamespace(redis, namespace);
		redis.disconnect();
	}
});

function sendWorkflow(suffix: string, credentials: Record<string, { id: string; name: string }>): Workflow {
	const node = (name: string, type: string, typeVersion: number, x: number, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
		id: randomUUID(),
		name,
		type,
		typeVersion,
		position: [x, 0],
		parameters,
		...extra,
	});
	return {
		name: `e2e-queue channel send crash ${suffix}`,
		nodes: [
			node('Campaign', 'n8n-nodes-base.webhook', 2, 0, { httpMethod: 'POST', path: `e2e-queue-send-${suffix}`, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() }),
			node('Split Messages', 'n8n-nodes-base.splitOut', 1, 220, { fieldToSplitOut: 'body.messages', options: {} }),
			node(
				'Channel Send',
				'n8n-nodes-journeys.channelSend',
				1,
				440,
				{
					channel: 'webhook',
					messageType: 'transactional',
					contactId: '={{ $json.contactId }}',
					url: `${receiver.url}/hook`,
					body: '={{ JSON.stringify($json) }}',
					store: 'redis',
					messageKey: '={{ $json.key }}',
					options: { retries: 0 },
				},
				{ credentials },
			),
		],
		connections: {
			Campaign: { main: [[{ node: 'Split Messages', type: 'main', index: 0 }]] },
			'Split Messages': { main: [[{ node: 'Channel Send', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

/** The worker (0-based) whose log says it started an execution after the given log sizes. */
async function workerThatStarted(logs: string[], from: number[], timeoutMs = 120_000): Promise<{ worker: number; executionId: string }> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		for (let i = 0; i < logs.length; i++) {
			const match = /Worker started execution (\d+)/.exec(readFileSync(logs[i]).subarray(from[i]).toString('utf8'));
			if (match) return { worker: i, executionId: match[1] };
		}
		if (Date.now() > deadline) throw new Error(`no worker started the execution within ${timeoutMs / 1000} s (logs: ${logs.join(', ')})`);
		await sleep(200);
	}
}

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
		await sleep(500);
	}
}

describe('Channel Send on main + 2 workers, a worker killed mid-send', () => {
	it(`${MESSAGES} messages, SIGKILL after ~${KILL_AFTER}, sent again: each contact gets the message once or is reported outcome_unknown`, async () => {
		const suffix = randomUUID().slice(0, 8);
		const imported = await importWorkflow(
			sendWorkflow(suffix, { journeyStoreRedisApi: await storeCredential(namespace), journeyEventSigningApi: await signingCredential(namespace) }),
		);
		const messages = Array.from({ length: MESSAGES }, (_, i) => ({ contactId: `s-${i}-${suffix}`, key: `crash-${suffix}-${i}` }));
		const logs = inject('queueWorkerLogs');
		const from = logs.map((file) => statSync(file).size);
		await postToWebhook(onlyWebhookPath(imported), { messages });

		const { worker, executionId } = await workerThatStarted(logs, from);
		await until('the send is under way', () => (receiver.requests.length >= KILL_AFTER ? true : undefined), 180_000);
		const folder = inject('queueWorkerFolders')[worker];
		const pid = Number(JSON.parse(readFileSync(`${folder}/journeys-n8n.pid`, 'utf8')).pid);
		process.kill(-pid, 'SIGKILL');
		await sleep(1000); // requests the worker wrote before it died finish arriving
		const postedBeforeKill = new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
		expect(postedBeforeKill.size).toBeLessThan(MESSAGES);

		try {
			// Bull finds the job stalled once its lock runs out and fails it (n8n allows no stalled
			// retry): the main marks the execution failed, or crashed at its next recovery check
			const crashed = await until(
				'the execution is marked failed or crashed',
				async () => {
					const e = await api().getExecution(executionId, { includeData: false });
					return ['crashed', 'error'].includes(e.status) ? e : undefined;
				},
				300_000,
			);
			expect(crashed.finished).toBe(false);

			// the claims of the killed attempt hold their lease for 10 minutes: move the store's clock past them
			writeFileSync(inject('queueClockFile'), JSON.stringify({ [namespace]: PAST_THE_LEASES_MS }));
			// n8n 2.41's Retry cannot continue it: the main replaced its data with the stall error
			// (no run data, no node to run). The user sends the campaign again: same messages, same keys
			await postToWebhook(onlyWebhookPath(imported), { messages });
			const [, retried] = await finishedExecutions(imported.id, 2, { timeoutMs: 300_000 });
			expect(retried.status, `${retried.id}: ${retried.data?.resultData.error?.message}`).toBe('success');

			const outputs = outputItems(retried, 'Channel Send');
			const sent = outputs[SENT] ?? [];
			const notSent = outputs[NOT_SENT] ?? [];
			expect(sent.length + notSent.length).toBe(MESSAGES);
			const unknown = new Set(notSent.filter((j) => j.send.reason === 'outcome_unknown').map((j) => j.send.key));
			expect(notSent.filter((j) => j.send.reason !== 'outcome_unknown').map((j) => `${j.send.key}: ${j.send.reason}`)).toEqual([]);

			// the receiver holds each message once (keyed by webhook-id), or the second run said outcome_unknown
			const requestsPerKey = new Map<string, number>();
			for (const r of receiver.requests) requestsPerKey.set(String(r.headers['webhook-id']), (requestsPerKey.get(String(r.headers['webhook-id'])) ?? 0) + 1);
			for (const m of messages) {
				const held = receiver.delivered.has(m.key) ? 1 : 0;
				expect(held === 1 || unknown.has(m.key), `${m.key}: held ${held}, outcome_unknown ${unknown.has(m.key)}`).toBe(true);
			}
			expect(receiver.delivered.size).toBe(MESSAGES - [...unknown].filter((k) => !receiver.delivered.has(k)).length);
			// a message went out twice only under its one webhook-id, and only if its first post preceded the kill
			const postedTwice = [...requestsPerKey].filter(([, n]) => n > 1);
			expect(postedTwice.filter(([, n]) => n > 2)).toEqual([]);
			expect(postedTwice.filter(([key]) => !postedBeforeKill.has(key))).toEqual([]);
			console.log(
				`[channel send crash] posted before the kill: ${postedBeforeKill.size}; posted again by the second run under the same webhook-id: ${postedTwice.length}; ` +
					`reported outcome_unknown: ${unknown.size}; held by the receiver: ${receiver.delivered.size}`,
			);
		} finally {
			// the other tests of the tier keep two workers
			await startN8n({ userFolder: folder, command: 'worker', env: inject('queueWorkerEnv') });
		}
	});
});
