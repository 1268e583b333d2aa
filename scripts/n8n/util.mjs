// Small helpers shared by the n8n harness modules. Plain ESM, runnable by Node 20.
import { spawn } from 'node:child_process';
import {
	closeSync,
	existsSync,
	fstatSync,
	mkdirSync,
	openSync,
	readFileSync,
	readSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A setup problem a person can fix (port taken, folder not writable, n8n not starting, build
 * failing). The message says what is wrong and what to do; callers print it without a stack.
 */
export class SetupError extends Error {
	/** @param {string} message */
	constructor(message) {
		super(message);
		this.name = 'SetupError';
	}
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The cache outside the repo for Node 24 and n8n, keyed by version. */
export function cacheDir() {
	return process.env.JOURNEYS_CACHE_DIR || path.join(os.homedir(), '.cache', 'n8n-nodes-journeys');
}

/**
 * Creates `dir` if needed and proves it is writable.
 * @param {string} dir
 * @param {string} what  how to name the folder in the error, e.g. "The cache folder"
 * @param {string} [fix] what to do about it
 */
export function ensureWritableDir(dir, what, fix) {
	try {
		mkdirSync(dir, { recursive: true });
		const probe = path.join(dir, `.write-probe-${process.pid}`);
		writeFileSync(probe, '');
		rmSync(probe, { force: true });
	} catch (error) {
		throw new SetupError(
			`${what} ${dir} is not writable (${/** @type {any} */ (error).code ?? String(error)}). ` +
				(fix ?? 'Fix its permissions or ownership, or point JOURNEYS_CACHE_DIR at a writable folder.'),
		);
	}
	return dir;
}

/**
 * The last `lines` lines of a text file ('' if it does not exist). Reads at most 256 KiB.
 * @param {string} file
 * @param {number} [lines]
 */
export function readLogTail(file, lines = 60) {
	if (!existsSync(file)) return '';
	const fd = openSync(file, 'r');
	try {
		const size = fstatSync(fd).size;
		const length = Math.min(size, 256 * 1024);
		const buffer = Buffer.alloc(length);
		readSync(fd, buffer, 0, length, size - length);
		const text = buffer.toString('utf8').replace(/\n$/, '');
		return text.split('\n').slice(-lines).join('\n');
	} finally {
		closeSync(fd);
	}
}

/**
 * Runs a command, appending its output to `logFile` (or collecting it), and rejects with the
 * tail of that output when it fails.
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, logFile?: string, what?: string }} [options]
 * @returns {Promise<string>} the collected output (empty when logging to a file)
 */
export function run(cmd, args, options = {}) {
	const { cwd, env, logFile, what = `${cmd} ${args.join(' ')}` } = options;
	return new Promise((resolve, reject) => {
		let fd = /** @type {number | undefined} */ (undefined);
		if (logFile) {
			mkdirSync(path.dirname(logFile), { recursive: true });
			fd = openSync(logFile, 'a');
			writeFileSync(fd, `\n$ ${cmd} ${args.join(' ')}   (${new Date().toISOString()})\n`);
		}
		let output = '';
		const child = spawn(cmd, args, {
			cwd,
			env,
			stdio: fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd],
		});
		child.stdout?.on('data', (d) => (output += d));
		child.stderr?.on('data', (d) => (output += d));
		child.on('error', (error) => {
			if (fd !== undefined) closeSync(fd);
			reject(new SetupError(`${what} could not start: ${error.message}`));
		});
		child.on('close', (code, signal) => {
			if (fd !== undefined) {
				writeFileSync(fd, `[exit ${code ?? signal}]\n`);
				closeSync(fd);
			}
			if (code === 0) return resolve(output);
			const tail = logFile ? readLogTail(logFile, 40) : output.split('\n').slice(-40).join('\n');
			reject(
				new SetupError(
					`${what} failed (exit ${code ?? signal}).${logFile ? ` Full log: ${logFile}` : ''}\n${tail}`,
				),
			);
		});
	});
}

/**
 * A lock between processes of this machine (e.g. `npm start` and the tests installing n8n at
 * the same time). Waits while another live process holds it; a lock of a dead process is taken
 * over.
 * @template T
 * @param {string} lockFile
 * @param {() => Promise<T>} fn
 * @param {{ timeoutMs?: number, onWait?: (pid: number) => void }} [options]
 * @returns {Promise<T>}
 */
export async function withLock(lockFile, fn, options = {}) {
	const { timeoutMs = 30 * 60_000, onWait } = options;
	const deadline = Date.now() + timeoutMs;
	let told = false;
	for (;;) {
		try {
			writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
			break;
		} catch (error) {
			if (/** @type {any} */ (error).code !== 'EEXIST') throw error;
			let holder = NaN;
			try {
				holder = Number(readFileSync(lockFile, 'utf8'));
			} catch {
				continue;
			}
			if (!isAlive(holder)) {
				rmSync(lockFile, { force: true });
				continue;
			}
			if (!told) onWait?.(holder);
			told = true;
			if (Date.now() > deadline) {
				throw new SetupError(`Gave up waiting for process ${holder} to release ${lockFile}.`);
			}
			await sleep(1000);
		}
	}
	try {
		return await fn();
	} finally {
		rmSync(lockFile, { force: true });
	}
}

/** @param {number} pid */
export function isAlive(pid) {
	if (!Number.isInteger(pid) || pid <= 0) return false;
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return /** @type {any} */ (error).code === 'EPERM';
	}
}

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight; results in order.
 * @template T, R
 * @param {T[]} items
 * @param {number} concurrency
 * @param {(item: T, index: number) => Promise<R>} fn
 * @returns {Promise<R[]>}
 */
export async function inParallel(items, concurrency, fn) {
	/** @type {R[]} */
	const results = new Array(items.length);
	let next = 0;
	const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
		while (next < items.length) {
			const i = next++;
			results[i] = await fn(items[i], i);
		}
	});
	await Promise.all(lanes);
	return results;
}
