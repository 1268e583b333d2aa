/**
 * Builds the package once per test run and packs it with `npm pack`, so every test that needs
 * the shipped artefact (the tarball check, the real-n8n tier) tests exactly what users install.
 * Set JOURNEYS_SKIP_BUILD=1 to reuse an existing dist/ and tarball while iterating.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		packageTarball: string;
	}
}

const root = path.resolve(__dirname, '../..');

export default function setup(project: TestProject) {
	// the e2e and e2e-queue projects both list this setup: build once per run
	const built = process.env.JOURNEYS_PACKED_THIS_RUN;
	if (built && existsSync(built)) {
		project.provide('packageTarball', built);
		return;
	}
	const outDir = path.join(root, 'test-artifacts', 'pack');
	mkdirSync(outDir, { recursive: true });
	const existing = readdirSync(outDir).find((f) => f.endsWith('.tgz'));
	if (!(process.env.JOURNEYS_SKIP_BUILD === '1' && existing && existsSync(path.join(root, 'dist')))) {
		run('npm', ['run', 'build']);
		for (const f of readdirSync(outDir)) if (f.endsWith('.tgz')) execFileSync('rm', ['-f', path.join(outDir, f)]);
		run('npm', ['pack', '--pack-destination', outDir]);
	}
	const tarball = readdirSync(outDir).find((f) => f.endsWith('.tgz'));
	if (!tarball) throw new Error(`npm pack wrote no tarball into ${outDir}`);
	process.env.JOURNEYS_PACKED_THIS_RUN = path.join(outDir, tarball);
	project.provide('packageTarball', path.join(outDir, tarball));
}

function run(cmd: string, args: string[]) {
	try {
		execFileSync(cmd, args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
	} catch (error) {
		const e = error as { stdout?: string; stderr?: string };
		// n8n-node draws a spinner: keep the readable lines only
		const output = `${e.stdout ?? ''}${e.stderr ?? ''}`
			.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
			.split('\n')
			.filter((line) => line.trim() && !/Building TypeScript files|Unknown (env|user) config/.test(line))
			.slice(-40)
			.join('\n');
		throw new Error(`\`${cmd} ${args.join(' ')}\` failed while preparing the package for the tests:\n${output}`);
	}
}
