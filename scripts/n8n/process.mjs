// Starting and stopping one n8n process: quiet headless env, its own ports, a log file.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
	closeSync,
	existsSync,
	mkdirSync,
	openSync,
	readFileSync,
	readSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureN8n } from './install.mjs';
import { SetupError, ensureWritableDir, readLogTail, sleep } from './util.mjs';

/**
 * A TCP port that was free on `host` a moment ago.
 * @param {string} [host]
 * @returns {Promise<number>}
 */
export function freePort(host = '127.0.0.1') {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, host, () => {
			const { port } = /** @type {net.AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/**
 * Whether something is listening on (or holds) host:port.
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>}
 */
export function isPortFree(port, host = '127.0.0.1') {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.unref();
		server.once('error', () => resolve(false));
		server.listen(port, host, () => server.close(() => resolve(true)));
	});
}

/**
 * Throws a SetupError naming the port and how to pick another when it is taken.
 * @param {number} port
 * @param {string} what e.g. "n8n's port"
 * @param {string} fix e.g. "Stop it or run with PORT=5680."
 * @param {string} [host]
 */
export async function assertPortFree(port, what, fix, host = '127.0.0.1') {
	if (await isPortFree(port, host)) return;
	throw new SetupError(
		`${what} ${host}:${port} is already in use (another n8n, or an earlier \`npm start\` still running? ` +
			`\`ss -ltnp 'sport = :${port}'\` shows the process). ${fix}`,
	);
}

/** Env that keeps a headless n8n quiet and off n8n's own hosts (see notes/n8n-platform.md). */
export const QUIET_ENV = Object.freeze({
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_DYNAMIC_BANNERS_ENABLED: 'false',
	N8N_SECURE_COOKIE: 'false',
	N8N_DISABLED_MODULES: 'mcp-registry,insights',
	N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
	// the list of verified community nodes comes from n8n's servers; this package is loaded from disk
	N8N_VERIFIED_PACKAGES_ENABLED: 'false',
	N8N_RUNNERS_TASK_TIMEOUT: '300',
	N8N_COMPRESSION_NODE_MAX_DECOMPRESSED_SIZE_BYTES: String(2 * 1024 ** 3),
	N8N_COMPRESSION_NODE_MAX_ZIP_ENTRIES: '5000',
});

/** Variables of the calling process that must not reach n8n (vitest sets NODE_ENV=test, which
 * makes n8n refuse to load nodes). */
const DROP_ENV = /^(NODE_ENV|NODE_OPTIONS|VITEST.*|TEST|npm_.*|INIT_CWD)$/;

/**
 * Harness state kept in the user folder: the fixed encryption key and what later starts reuse
 * (owner login, API key, secrets). n8n's own `.n8n/config` key wins if it exists.
 * @param {string} userFolder
 * @returns {Record<string, any>}
 */
export function readUserFolderState(userFolder) {
	const file = path.join(userFolder, 'journeys-harness.json');
	let state = {};
	if (existsSync(file)) state = JSON.parse(readFileSync(file, 'utf8'));
	if (!state.encryptionKey) {
		const n8nConfig = path.join(userFolder, '.n8n', 'config');
		const fromN8n = existsSync(n8nConfig) ? JSON.parse(readFileSync(n8nConfig, 'utf8')).encryptionKey : undefined;
		state.encryptionKey = fromN8n ?? randomBytes(24).toString('base64url');
		writeUserFolderState(userFolder, state);
	}
	return state;
}

/**
 * @param {string} userFolder
 * @param {Record<string, any>} state
 */
export function writeUserFolderState(userFolder, state) {
	mkdirSync(userFolder, { recursive: true });
	writeFileSync(path.join(userFolder, 'journeys-harness.json'), JSON.stringify(state, null, '\t') + '\n', {
		mode: 0o600,
	});
}

/**
 * Whether `pid` is a running n8n (not a recycled pid).
 * @param {unknown} pid
 */
function isN8nProcess(pid) {
	if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('n8n');
	} catch {
		return true; // no /proc (macOS): trust the live pid
	}
}

/** @type {Set<number>} process groups to kill if this process exits without stopping them */
const running = new Set();
let exitHookInstalled = false;
function installExitHook() {
	if (exitHookInstalled) return;
	exitHookInstalled = true;
	process.on('exit', () => {
		for (const pid of running) {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				/* already gone */
			}
		}
	});
}

/**
 * @typedef {object} N8nHandle
 * @property {string} url             e.g. http://127.0.0.1:5678 (a worker: the main's URL it reports to)
 * @property {'start' | 'worker'} command
 * @property {number} port
 * @property {number} runnerBrokerPort
 * @property {string} userFolder
 * @property {string} logFile
 * @property {number} pid
 * @property {Promise<number | null>} exited  resolves with the exit code (null: by signal)
 * @property {(graceMs?: number) => Promise<void>} stop  SIGTERM, then SIGKILL after the grace period
 * @property {(lines?: number) => string} logTail
 */

/**
 * Starts `n8n start` with Node 24 on 127.0.0.1 and resolves once `/healthz` answers and the log
 * says "Editor is now accessible via". Rejects with the log tail if n8n exits or takes too long.
 * `command: 'worker'` starts `n8n worker --concurrency=<n>` instead (queue mode, see queue.mjs):
 * it serves no HTTP, so it is ready when its log says "n8n worker is now ready"; pass the main's
 * URL as N8N_WEBHOOK_URL in `env` so resume URLs a worker writes point at the main.
 * @param {{
 *   userFolder: string,
 *   command?: 'start' | 'worker',
 *   concurrency?: number,
 *   port?: number,
 *   runnerBrokerPort?: number,
 *   env?: Record<string, string | undefined>,
 *   logFile?: string,
 *   timeoutMs?: number,
 *   n8n?: { bin: string, nodeBin: string, version: string },
 *   portHint?: string,
 *   log?: (msg: string) => void,
 * }} options
 * @returns {Promise<N8nHandle>}
 */
export async function startN8n(options) {
	const { userFolder, timeoutMs = 240_000, command = 'start' } = options;
	const isWorker = command === 'worker';
	const host = '127.0.0.1';
	ensureWritableDir(userFolder, 'The n8n user folder', 'Fix its permissions, or use another folder.');
	const n8n = options.n8n ?? (await ensureN8n(undefined, { log: options.log }));
	const port = options.port ?? (await freePort());
	if (!isWorker) await assertPortFree(port, "n8n's port", options.portHint ?? 'Stop that process or choose another port.');
	const runnerBrokerPort = options.runnerBrokerPort ?? (await freePort());
	await assertPortFree(
		runnerBrokerPort,
		"n8n's task-runner broker port",
		'Stop that process or choose another broker port (N8N_RUNNERS_BROKER_PORT).',
	);
	const url = `http://${host}:${port}`;
	// one n8n per user folder: two processes on one SQLite database corrupt each other's state
	const pidFile = path.join(userFolder, 'journeys-n8n.pid');
	if (existsSync(pidFile)) {
		const other = JSON.parse(readFileSync(pidFile, 'utf8'));
		if (isN8nProcess(other.pid)) {
			throw new SetupError(
				`n8n is already running from ${userFolder} (pid ${other.pid}, ${other.url}). Stop it first ` +
					'(Ctrl-C in its terminal), or use another user folder.',
			);
		}
	}
	const state = readUserFolderState(userFolder);
	const logFile = options.logFile ?? path.join(userFolder, 'n8n.log');
	mkdirSync(path.dirname(logFile), { recursive: true });
	const logStart = existsSync(logFile) ? statSync(logFile).size : 0;

	/** @type {NodeJS.ProcessEnv} */
	const env = { ...QUIET_ENV };
	for (const [k, v] of Object.entries(process.env)) if (!DROP_ENV.test(k)) env[k] = v;
	Object.assign(env, {
		PATH: `${path.dirname(n8n.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: host,
		N8N_HOST: host,
		N8N_WEBHOOK_URL: `${url}/`,
		N8N_EDITOR_BASE_URL: `${url}/`,
		N8N_ENCRYPTION_KEY: state.encryptionKey,
		N8N_RUNNERS_BROKER_PORT: String(runnerBrokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: host,
	});
	delete env.WEBHOOK_URL; // deprecated alias of N8N_WEBHOOK_URL in 2.x
	for (const [k, v] of Object.entries(options.env ?? {})) {
		if (v === undefined) delete env[k];
		else env[k] = v;
	}

	const fd = openSync(logFile, 'a');
	writeFileSync(fd, `\n===== n8n ${n8n.version} ${command} starting ${new Date().toISOString()} on ${url} (broker ${runnerBrokerPort}) =====\n`);
	const args = isWorker ? ['worker', `--concurrency=${options.concurrency ?? 10}`] : ['start'];
	const child = spawn(n8n.nodeBin, [n8n.bin, ...args], {
		cwd: userFolder,
		env,
		detached: true, // own process group: Ctrl-C reaches us, and stop() can end n8n and its runner
		stdio: ['ignore', fd, fd],
	});
	closeSync(fd);
	const pid = /** @type {number} */ (child.pid);
	writeFileSync(pidFile, JSON.stringify({ pid, url }) + '\n');
	running.add(pid);
	installExitHook();
	/** @type {number | null | undefined} */
	let exitCode;
	const exited = new Promise((resolve) => {
		child.on('exit', (code) => {
			exitCode = code;
			running.delete(pid);
			rmSync(pidFile, { force: true });
			resolve(code);
		});
		child.on('error', () => {
			exitCode = -1;
			running.delete(pid);
			resolve(-1);
		});
	});

	/** @param {number} [lines] */
	const logTail = (lines = 60) => readLogTail(logFile, lines);
	/** @param {number} [graceMs] */
	const stop = async (graceMs = 20_000) => {
		if (exitCode === undefined) {
			try {
				process.kill(pid, 'SIGTERM');
			} catch {
				/* gone */
			}
			const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
			if ((await Promise.race([exited.then(() => 'exited'), timer])) !== 'exited') {
				try {
					process.kill(-pid, 'SIGKILL');
				} catch {
					/* gone */
				}
				await exited;
			}
		}
		// the task runner is n8n's child in the same group: make sure nothing of it is left
		await sleep(200);
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			/* the group is gone: nothing left */
		}
	};

	const handle = { url: isWorker ? String(env.N8N_WEBHOOK_URL ?? url).replace(/\/$/, '') : url, command, port, runnerBrokerPort, userFolder, logFile, pid, exited, stop, logTail };
	const deadline = Date.now() + timeoutMs;
	const sinceStart = () => {
		const size = statSync(logFile).size;
		const buffer = Buffer.alloc(Math.max(0, size - logStart));
		const fdr = openSync(logFile, 'r');
		try {
			readSync(fdr, buffer, 0, buffer.length, logStart);
		} finally {
			closeSync(fdr);
		}
		return buffer.toString('utf8');
	};
	/** the log of this start only: an earlier run's lines would mislead */
	const tailSinceStart = (lines = 60) => sinceStart().replace(/\n$/, '').split('\n').slice(-lines).join('\n');
	for (;;) {
		if (exitCode !== undefined) {
			throw new SetupError(
				`n8n exited (code ${exitCode}) before it was ready. Last lines of ${logFile}:\n${tailSinceStart()}`,
			);
		}
		if (Date.now() > deadline) {
			await stop(5_000);
			throw new SetupError(
				`n8n was not ready after ${Math.round(timeoutMs / 1000)} s. Last lines of ${logFile}:\n${tailSinceStart()}`,
			);
		}
		if (isWorker && sinceStart().includes('n8n worker is now ready')) return handle;
		if (!isWorker && sinceStart().includes('Editor is now accessible via')) {
			try {
				const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
				if (res.ok) return handle;
			} catch {
				/* not yet */
			}
		}
		await sleep(250);
	}
}
