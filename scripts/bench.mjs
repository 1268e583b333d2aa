#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.ts in turn (one process each, so one benchmark's
// garbage and connections don't slow the next) and passes their output through. Each prints
// `bench <name>: <value> <unit>` lines, including ratios against the baseline it measured in
// the same run. `npm run bench -- cap` runs only the benchmarks whose file name contains "cap".
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const filter = process.argv[2];
const files = readdirSync(path.join(root, 'bench'))
	.filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
	.sort();
if (files.length === 0) {
	console.error(`no benchmark matches "${filter}" in bench/`);
	process.exit(1);
}

const outDir = mkdtempSync(path.join(os.tmpdir(), 'journeys-bench-'));
let failed = 0;
try {
	for (const file of files) {
		const outfile = path.join(outDir, file.replace(/\.ts$/, '.cjs'));
		await build({
			entryPoints: [path.join(root, 'bench', file)],
			outfile,
			bundle: true,
			platform: 'node',
			format: 'cjs',
			target: 'node20',
			loader: { '.lua': 'text' },
			logLevel: 'warning',
		});
		const run = spawnSync(process.execPath, ['--expose-gc', outfile], { cwd: root, stdio: 'inherit' });
		if (run.status !== 0) {
			console.error(`bench ${file} failed with exit code ${run.status}`);
			failed++;
		}
	}
} finally {
	rmSync(outDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
