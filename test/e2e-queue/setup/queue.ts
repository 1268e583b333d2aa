/**
 * n8n in queue mode for the e2e-queue tier: a main + 2 workers (`n8n worker`) on a PostgreSQL
 * database of their own (created fresh for the run, dropped after) with the Bull queue on the
 * tier's Redis under a prefix of its own, the packed package installed into every process's user
 * folder. Tests reach the main through the same `inject(...)` keys as the e2e tier (so
 * ../../e2e/helpers.ts works unchanged) plus the workers' logs, pids and env. Logs are copied to
 * test-artifacts/e2e-queue-*.log at teardown.
 *
 * JOURNEYS_E2E_TARBALL=<path.tgz> installs that tarball; JOURNEYS_E2E_KEEP=1 keeps the user folder
 * and the database for inspection.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { deleteQueueKeys, dropDatabase, ensureN8n, launchQueueN8n, queueServicesFromEnv } from '../../../scripts/n8n/index.mjs';

declare module 'vitest' {
	export interface ProvidedContext {
		/** every worker's user folder, log file and first pid (a test may kill one and start it again) */
		queueWorkerFolders: string[];
		queueWorkerLogs: string[];
		queueWorkerPids: number[];
		/** the env a worker runs with, to start one again with startN8n({ command: 'worker', env }) */
		queueWorkerEnv: Record<string, string | undefined>;
		/** the file the processes read store-clock offsets from (lib/store/testClock.ts) */
		queueClockFile: string;
		/** true in this project: files shared with the e2e project (templates) run their queue-mode subset */
		queueMode: boolean;
	}
}

const root = path.resolve(__dirname, '../../..');

export default async function setup(project: TestProject) {
	const tarball = process.env.JOURNEYS_E2E_TARBALL || project.getProvidedContext().packageTarball;
	if (!tarball) throw new Error('The e2e-queue tier got no package tarball: run it through the root config (npx vitest run --project e2e-queue).');
	const started = Date.now();
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-e2e-queue-'));
	const run = randomBytes(4).toString('hex');
	const database = `journeys_e2e_queue_${run}`;
	const prefix = `journeys-e2e-queue-${run}`;
	const services = queueServicesFromEnv();
	const clockFile = path.join(userFolder, 'journeys-test-clock.json');
	const log = (msg: string) => console.log(`[e2e-queue n8n] ${msg}`);
	const env = {
		JOURNEYS_TEST_CLOCK_FILE: clockFile,
		// a killed worker's job is found stalled within ~45 s (not 90), and the main marks its
		// execution crashed at its next recovery check (every minute, not 3)
		QUEUE_WORKER_LOCK_DURATION: '30000',
		QUEUE_WORKER_STALLED_INTERVAL: '15000',
		N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL: '1',
	};
	let launched: Awaited<ReturnType<typeof launchQueueN8n>>;
	try {
		launched = await launchQueueN8n({ userFolder, tarball, workers: 2, database, freshDatabase: true, prefix, services, env, owner: { email: 'e2e-queue@example.com' }, log });
	} catch (error) {
		await cleanUp();
		throw new Error(`The e2e-queue n8n did not start: ${(error as Error).message}`);
	}
	const { n8n, owner, installed, workers } = launched;
	log(`ready in ${Math.round((Date.now() - started) / 1000)} s:\n${launched.describe()}`);

	project.provide('n8nUrl', n8n.url);
	project.provide('n8nApiKey', launched.apiKey);
	project.provide('n8nUserFolder', userFolder);
	project.provide('n8nOwnerEmail', owner.email);
	project.provide('n8nOwnerPassword', owner.password);
	project.provide('n8nLogFile', n8n.logFile);
	project.provide('n8nPackageDir', installed!.dir);
	project.provide('n8nPackageNodeTypes', []);
	project.provide('queueWorkerFolders', workers.map((w) => w.userFolder));
	project.provide('queueWorkerLogs', workers.map((w) => w.logFile));
	project.provide('queueWorkerPids', workers.map((w) => w.pid));
	project.provide('queueWorkerEnv', launched.workerEnv);
	project.provide('queueClockFile', clockFile);
	project.provide('queueMode', true);

	async function cleanUp() {
		if (process.env.JOURNEYS_E2E_KEEP === '1') {
			log(`kept ${userFolder} and the database ${database}`);
			return;
		}
		const n8n = await ensureN8n();
		await dropDatabase(services.postgres, database, n8n).catch((error: Error) => log(`could not drop ${database}: ${error.message}`));
		await deleteQueueKeys(services.redis, prefix, n8n).catch((error: Error) => log(`could not delete the keys ${prefix}:*: ${error.message}`));
		rmSync(userFolder, { recursive: true, force: true });
	}

	return async () => {
		await launched.stop();
		// a worker a test started again runs from the same folder: its pid file names it
		for (const folder of workers.map((w) => w.userFolder)) {
			const pidFile = path.join(folder, 'journeys-n8n.pid');
			if (!existsSync(pidFile)) continue;
			try {
				process.kill(-JSON.parse(readFileSync(pidFile, 'utf8')).pid, 'SIGKILL');
			} catch {
				/* already gone */
			}
		}
		const artifacts = path.join(root, 'test-artifacts');
		mkdirSync(artifacts, { recursive: true });
		copyFileSync(n8n.logFile, path.join(artifacts, 'e2e-queue-main.log'));
		workers.forEach((w, i) => copyFileSync(w.logFile, path.join(artifacts, `e2e-queue-worker-${i + 1}.log`)));
		await cleanUp();
	};

}
