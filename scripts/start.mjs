#!/usr/bin/env node
// `npm start`: n8n 2.41 on http://127.0.0.1:5678 with this package installed, an owner login,
// an API key and every workflow of workflows-templates/ imported. Ctrl-C stops n8n.
//
//   PORT=5680 npm start                      another port
//   REDIS_URL=redis://127.0.0.1:6379 npm start   templates use the Redis store credential
//   JOURNEYS_DEV_USER_FOLDER=/path           another n8n user folder (default: <cache>/dev-user)
//   JOURNEYS_CACHE_DIR=/path                 another cache for Node 24 and n8n
//   JOURNEYS_OWNER_EMAIL / JOURNEYS_OWNER_PASSWORD   the owner login on first start
//   JOURNEYS_TEMPLATES_DIR=/path             import the workflows of another folder
//   JOURNEYS_WORKERS=2 npm start             queue mode: a main + 2 workers (`n8n worker`) on
//                                            PostgreSQL (PGHOST/PGPORT/PGUSER/PGPASSWORD, default
//                                            postgres@127.0.0.1:5432) with the Bull queue on REDIS_URL
//   JOURNEYS_PG_DATABASE=name                queue mode's database (default journeys_dev, created if missing)
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
	N8N_VERSION,
	PACKAGE_NAME,
	REPO_ROOT,
	SetupError,
	applyMemoryStore,
	applyStoreCredential,
	assertPortFree,
	buildAndPack,
	cacheDir,
	freePort,
	isPortFree,
	launchN8n,
	launchQueueN8n,
	nodeTypes,
	readUserFolderState,
	typesWithParameter,
	writeUserFolderState,
} from './n8n/index.mjs';
import { ensureWritableDir } from './n8n/util.mjs';

const started = Date.now();
const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;
/** @param {string} msg */
const log = (msg) => console.log(`» ${msg}`);

/** JOURNEYS_WORKERS: 0 (one n8n on SQLite) or how many queue-mode workers to start. */
function workerCount() {
	const raw = process.env.JOURNEYS_WORKERS ?? '0';
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 0 || n > 16) throw new SetupError(`JOURNEYS_WORKERS=${raw} is not a number of workers (0–16).`);
	return n;
}

async function main() {
	const workers = workerCount();
	const port = Number(process.env.PORT ?? 5678);
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SetupError(`PORT=${process.env.PORT} is not a port number.`);
	const cache = ensureWritableDir(cacheDir(), 'The cache folder');
	const userFolder = process.env.JOURNEYS_DEV_USER_FOLDER || path.join(cache, 'dev-user');
	ensureWritableDir(userFolder, 'The n8n user folder', 'Fix its permissions, or set JOURNEYS_DEV_USER_FOLDER to another folder.');
	const portHint = `Stop that process, or start on another port: PORT=${port + 10} npm start`;
	await assertPortFree(port, "n8n's port", portHint); // before the build: fail fast
	// n8n's task-runner broker defaults to 5679; take the next port if free, else any free one
	const brokerPort = port + 1 <= 65535 && (await isPortFree(port + 1)) ? port + 1 : await freePort();

	const tarball = await buildAndPack({ outDir: path.join(cache, 'dev-pack'), log });
	log(`Package built and packed (${seconds()}). Starting n8n ${N8N_VERSION} (user folder ${userFolder}) …`);
	const previous = readUserFolderState(userFolder);
	const launchOptions = {
		userFolder,
		tarball,
		port,
		runnerBrokerPort: brokerPort,
		portHint,
		owner: {
			email: previous.owner?.email ?? process.env.JOURNEYS_OWNER_EMAIL ?? 'owner@example.com',
			password: previous.owner?.password ?? process.env.JOURNEYS_OWNER_PASSWORD,
		},
		log,
	};
	// queue mode keeps its own user folder: its owner and API key live in PostgreSQL, not in the SQLite one
	const queue =
		workers > 0
			? await launchQueueN8n({
					...launchOptions,
					userFolder: `${userFolder}-queue`,
					owner: { email: process.env.JOURNEYS_OWNER_EMAIL ?? 'owner@example.com', password: readUserFolderState(`${userFolder}-queue`).owner?.password ?? process.env.JOURNEYS_OWNER_PASSWORD },
					workers,
					database: process.env.JOURNEYS_PG_DATABASE || 'journeys_dev',
					prefix: 'journeys-dev',
				})
			: undefined;
	const { n8n, api, owner, installed, state } = queue ?? (await launchN8n(launchOptions));
	const stopAll = () => (queue ? queue.stop() : n8n.stop());

	let stopping = false;
	/** @param {string} why */
	const shutdown = async (why) => {
		if (stopping) {
			log('Second signal: killing n8n.');
			try {
				process.kill(-n8n.pid, 'SIGKILL');
			} catch {
				/* gone */
			}
			process.exit(130);
		}
		stopping = true;
		log(`${why}: stopping n8n …`);
		await stopAll();
		log('n8n stopped.');
		process.exit(0);
	};
	process.on('SIGINT', () => void shutdown('Ctrl-C'));
	process.on('SIGTERM', () => void shutdown('SIGTERM'));
	for (const p of [n8n, ...(queue?.workers ?? [])]) {
		p.exited.then(async (code) => {
			if (stopping) return;
			console.error(`\n✖ n8n ${p.command} exited on its own (code ${code}). Last lines of ${p.logFile}:\n${p.logTail(40)}`);
			await stopAll();
			process.exit(1);
		});
	}

	// the package must load as n8n-nodes-journeys.<node>
	const declared = (installed?.nodes ?? []).map((f) => {
		const base = path.basename(f).replace(/\.node\.js$/, '');
		return `${PACKAGE_NAME}.${base.charAt(0).toLowerCase()}${base.slice(1)}`;
	});
	const types = await nodeTypes(n8n.url, owner.cookie);
	const loaded = new Set(types.map((t) => t.name));
	const missing = declared.filter((t) => !loaded.has(t));
	if (missing.length > 0) {
		console.error(`\n! n8n did not load ${missing.join(', ')}. Last lines of ${n8n.logFile}:\n${n8n.logTail(30)}\n`);
	}

	// store: in-memory unless REDIS_URL is set; queue mode always uses Redis (a memory store is one
	// process's, and each worker is a process)
	let storeLine = 'in-memory (one n8n process; set REDIS_URL=redis://127.0.0.1:6379 to use Redis)';
	const redisUrl = process.env.REDIS_URL || (queue ? `redis://${queue.services.redis.host}:${queue.services.redis.port}/${queue.services.redis.db}` : '');
	/** @type {{ id: string, name: string } | undefined} */
	let credential;
	if (redisUrl) {
		state.hashSecret ??= randomBytes(24).toString('base64url');
		writeUserFolderState(n8n.userFolder, state);
		credential = await api.ensureRedisCredential({
			redisUrl,
			namespace: 'dev',
			hashSecret: state.hashSecret,
		});
		storeLine = credential
			? `Redis ${redisUrl.replace(/\/\/[^@/]*@/, '//***@')} (credential "${credential.name}")`
			: 'in-memory: this build of the package has no journeyStoreRedisApi credential yet, so REDIS_URL is not used';
	}

	const templatesDir = process.env.JOURNEYS_TEMPLATES_DIR || path.join(REPO_ROOT, 'workflows-templates');
	const files = existsSync(templatesDir)
		? readdirSync(templatesDir)
				.filter((f) => f.endsWith('.json'))
				.sort()
				.map((f) => path.join(templatesDir, f))
		: [];
	const imported = await api.importWorkflows(files, {
		skipExisting: true,
		transform: (wf) =>
			credential
				? applyStoreCredential(wf, credential, { typesWithStore: typesWithParameter(types, 'store') }).workflow
				: applyMemoryStore(wf).workflow,
	});
	const created = imported.filter((w) => w.created);
	const kept = imported.filter((w) => !w.created);

	console.log(`
n8n ${N8N_VERSION} with ${installed?.name}@${installed?.version} is ready (${seconds()}).

  Editor     ${n8n.url}
  Login      ${owner.email}  /  ${owner.password}
  Nodes      ${declared.filter((t) => loaded.has(t)).join(', ') || 'none loaded'}
  Store      ${storeLine}
  Templates  ${files.length === 0 ? 'none in workflows-templates/' : `${created.length} imported${kept.length ? `, ${kept.length} already there (delete one in the editor to re-import it)` : ''}`}${imported.map((w) => `\n             - ${w.name}${w.created ? '' : ' (kept)'}  ${n8n.url}/workflow/${w.id}`).join('')}
  API key    in ${path.join(n8n.userFolder, 'journeys-harness.json')} (header X-N8N-API-KEY, ${n8n.url}/api/v1)
  ${queue ? `Queue mode, ${workers} worker(s):\n${queue.describe().replace(/^/gm, '    ')}` : `n8n log    ${n8n.logFile}`}

Press Ctrl-C to stop n8n.`);
}

main().catch((error) => {
	if (error instanceof SetupError) console.error(`\n✖ ${error.message}`);
	else console.error(error);
	process.exit(1);
});
