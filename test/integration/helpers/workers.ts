/**
 * Real OS processes for concurrency tests: a worker file bundled with esbuild (Lua as text),
 * started N times, each reading one JSON command per line on stdin and answering one JSON line
 * `{ id, … }` on stdout ("ready" once it is connected).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

export class WorkerProcess<Reply extends { id: number }> {
	private readonly waiting = new Map<number, (reply: Reply) => void>();
	readonly ready: Promise<void>;

	constructor(
		readonly child: ChildProcessWithoutNullStreams,
		label: string,
	) {
		let markReady: () => void;
		this.ready = new Promise((resolve) => (markReady = resolve));
		createInterface({ input: child.stdout }).on('line', (line) => {
			if (line === 'ready') return markReady();
			const reply = JSON.parse(line) as Reply;
			this.waiting.get(reply.id)?.(reply);
			this.waiting.delete(reply.id);
		});
		child.stderr.on('data', (chunk) => process.stderr.write(`[${label} ${child.pid}] ${chunk}`));
	}

	send(command: Record<string, unknown> & { id: number }): Promise<Reply> {
		return new Promise((resolve) => {
			this.waiting.set(command.id, resolve);
			this.child.stdin.write(`${JSON.stringify(command)}\n`);
		});
	}
}

/** Bundles `workerFile` and starts `count` processes of it; resolves once every one is ready. */
export async function startWorkers<Reply extends { id: number }>(workerFile: string, count: number, label: string): Promise<Array<WorkerProcess<Reply>>> {
	const outfile = path.join(mkdtempSync(path.join(os.tmpdir(), `${label.replace(/\W+/g, '-')}-`)), 'worker.js');
	await build({ entryPoints: [workerFile], outfile, bundle: true, platform: 'node', format: 'cjs', loader: { '.lua': 'text' }, logLevel: 'warning' });
	const workers = Array.from({ length: count }, () => new WorkerProcess<Reply>(spawn(process.execPath, [outfile], { stdio: 'pipe' }), label));
	await Promise.all(workers.map((w) => w.ready));
	return workers;
}

/** Closes the workers' stdin and waits for every one to exit. */
export async function stopWorkers(workers: Array<{ child: ChildProcessWithoutNullStreams }>): Promise<void> {
	for (const w of workers) w.child.stdin.end();
	await Promise.all(workers.map((w) => new Promise((resolve) => (w.child.exitCode !== null ? resolve(null) : w.child.once('exit', resolve)))));
}
