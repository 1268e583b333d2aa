/**
 * n8n's queue mode against one n8n process, both on PostgreSQL, same machine, same journey step
 * (test/e2e-queue/journey-step.ts: webhook → Segment Filter → Frequency Cap 2 per hour → Channel
 * Send webhook to an HTTP server in this process):
 *
 *   bench queue.single: <n> executions/s     one `n8n start` (regular mode)
 *   bench queue.workers2: <n> executions/s   a main + 2 workers (`n8n worker`), Bull on Redis
 *   bench queue.speedup: <x>                 workers2 / single
 *
 * POSTS posts (a third of the contacts not on the pro plan, every contact posted three times),
 * PARALLEL in flight, timed from the first post until every execution finished, after a warm-up.
 * Both runs must give the same answers: the same numbers filtered out, capped and sent, and the
 * receiver holding exactly the sent messages. On 2 cores a speedup near 1 is expected: the
 * figure is there so a bigger machine shows the scaling. Needs Redis (REDIS_URL) and PostgreSQL
 * (PGHOST/PGPORT/PGUSER/PGPASSWORD, default postgres@127.0.0.1:5432); databases of its own are
 * created and dropped. JOURNEYS_BENCH_TARBALL=<tgz> reuses a packed package.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startHttp } from '../test/integration/channel-send/servers';
import { JOURNEY_STEP_NODES, journeyStepWorkflow, postedContact } from '../test/e2e-queue/journey-step';

const POSTS = 300;
const WARM_UP = 30;
const PARALLEL = 20;
const CAP = 2;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

type Harness = typeof import('../scripts/n8n/index.mjs');
type Api = InstanceType<Harness['N8nApi']>;
interface Answers {
	notMatched: number;
	capped: number;
	sent: number;
	received: number;
}

/** Contacts posted three times each; every third one is not on the pro plan. */
function posts(tag: string, count: number) {
	return Array.from({ length: count }, (_, i) => {
		const contact = Math.floor(i / 3);
		return postedContact(`${tag}-${contact}`, i % 3, contact % 3 === 2 ? 'free' : 'pro');
	});
}

async function measure(harness: Harness, api: Api, url: string, label: string): Promise<{ rate: number; answers: Answers }> {
	const receiver = await startHttp();
	const tag = `${label}-${randomUUID().slice(0, 8)}`;
	try {
		const store = await api.ensureRedisCredential({ redisUrl: REDIS_URL, name: `bench store ${tag}`, namespace: `bench-queue-${tag}`, hashSecret: randomBytes(24).toString('base64url') });
		if (!store) throw new Error('n8n does not know the journeyStoreRedisApi credential type');
		const signing = await api.createCredential({ name: `bench signing ${tag}`, type: 'journeyEventSigningApi', data: { secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: '' } });
		const [imported] = await api.importWorkflows([journeyStepWorkflow({ suffix: tag, cap: CAP, receiverUrl: receiver.url, store, signing })], { activate: true });
		const hook = imported.webhookPaths[0];
		const post = async (body: unknown) => {
			const res = await harness.postWebhook(url, hook, body, { retryForMs: 30_000 });
			if (res.status !== 200) throw new Error(`POST /webhook/${hook} answered ${res.status}: ${res.text.slice(0, 300)}`);
		};
		const finished = (count: number) => api.waitForExecutions({ workflowId: imported.id, count, timeoutMs: 600_000, includeData: false, intervalMs: 250, statuses: ['success', 'error', 'crashed'] });

		await harness.inParallel(posts(`warm-${tag}`, WARM_UP), PARALLEL, post);
		await finished(WARM_UP);
		const started = performance.now();
		await harness.inParallel(posts(tag, POSTS), PARALLEL, post);
		await finished(WARM_UP + POSTS);
		const rate = POSTS / ((performance.now() - started) / 1000);

		const executions = (await api.listExecutions({ workflowId: imported.id, includeData: true })).filter(
			(e: any) => String(e.data?.resultData.runData['Contact']?.[0]?.data?.main?.[0]?.[0]?.json?.contactId).startsWith(`${tag}-`),
		);
		const failed = executions.filter((e: any) => e.status !== 'success');
		if (executions.length !== POSTS || failed.length) {
			throw new Error(`${label}: ${executions.length} of ${POSTS} executions read back, ${failed.length} not successful (${failed.map((e: any) => e.data?.resultData.error?.message).join('; ')})`);
		}
		const count = (node: string, output: number) =>
			executions.reduce((n: number, e: any) => n + (e.data.resultData.runData[node]?.[0]?.data?.main?.[output]?.length ?? 0), 0);
		const storeDown = executions.flatMap((e: any) => e.data.resultData.runData[JOURNEY_STEP_NODES.cap]?.[0]?.data?.main?.[1] ?? []).filter((item: any) => item.json.frequencyCap?.reason !== 'limit_reached');
		if (storeDown.length) throw new Error(`${label}: ${storeDown.length} item(s) capped for another reason than the cap (${storeDown[0].json.frequencyCap?.reason}): the machine is too busy for a fair figure`);
		const answers = {
			notMatched: count(JOURNEY_STEP_NODES.segment, 1),
			capped: count(JOURNEY_STEP_NODES.cap, 1),
			sent: count(JOURNEY_STEP_NODES.send, 0),
			received: [...receiver.delivered.keys()].filter((key) => key.startsWith(`${tag}-`)).length,
		};
		await api.deactivateWorkflow(imported.id);
		return { rate, answers };
	} finally {
		await receiver.close();
	}
}

async function main() {
	const harness: Harness = await import(pathToFileURL(path.join(process.cwd(), 'scripts/n8n/index.mjs')).href);
	const log = (msg: string) => console.error(`[bench n8n] ${msg}`);
	const tarball: string = process.env.JOURNEYS_BENCH_TARBALL || (await harness.buildAndPack({ log }));
	const services = harness.queueServicesFromEnv();
	const n8n = await harness.ensureN8n(undefined, { log });
	await harness.assertRedis(services.redis);
	const run = randomBytes(4).toString('hex');
	const results: Record<string, { rate: number; answers: Answers }> = {};

	// one n8n process on PostgreSQL, regular mode
	{
		const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-bench-queue-single-'));
		const database = `journeys_bench_single_${run}`;
		await harness.ensureDatabase(services.postgres, database, n8n, { fresh: true });
		const env = { ...harness.queueEnv({ services, database, prefix: `journeys-bench-${run}`, encryptionKey: harness.readUserFolderState(userFolder).encryptionKey }), EXECUTIONS_MODE: 'regular' };
		let launched: Awaited<ReturnType<Harness['launchN8n']>> | undefined;
		try {
			launched = await harness.launchN8n({ userFolder, tarball, env, owner: { email: 'bench@example.com' }, log });
			results.single = await measure(harness, launched.api, launched.n8n.url, 'single');
		} finally {
			await launched?.n8n.stop();
			await harness.dropDatabase(services.postgres, database, n8n);
			await harness.deleteQueueKeys(services.redis, `journeys-bench-${run}`, n8n);
			rmSync(userFolder, { recursive: true, force: true });
		}
	}

	// a main + 2 workers
	{
		const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-bench-queue-workers-'));
		const database = `journeys_bench_workers_${run}`;
		let launched: Awaited<ReturnType<Harness['launchQueueN8n']>> | undefined;
		try {
			launched = await harness.launchQueueN8n({ userFolder, tarball, workers: 2, database, freshDatabase: true, prefix: `journeys-bench-${run}`, services, owner: { email: 'bench@example.com' }, log });
			results.workers2 = await measure(harness, launched.api, launched.n8n.url, 'workers2');
		} finally {
			await launched?.stop();
			await harness.dropDatabase(services.postgres, database, n8n);
			await harness.deleteQueueKeys(services.redis, `journeys-bench-${run}`, n8n);
			rmSync(userFolder, { recursive: true, force: true });
		}
	}

	const { single, workers2 } = results;
	if (JSON.stringify(single.answers) !== JSON.stringify(workers2.answers) || single.answers.sent !== single.answers.received) {
		throw new Error(`the two runs disagree: single ${JSON.stringify(single.answers)}, workers2 ${JSON.stringify(workers2.answers)}`);
	}
	console.error(`[bench] both runs: ${JSON.stringify(single.answers)} of ${POSTS} posts`);
	console.log(`bench queue.single: ${single.rate.toFixed(1)} executions/s`);
	console.log(`bench queue.workers2: ${workers2.rate.toFixed(1)} executions/s`);
	console.log(`bench queue.speedup: ${(workers2.rate / single.rate).toFixed(2)}`);
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
