/**
 * The rules package on its own, as a user installs it: `npm run build` in rules/ (the pinned
 * TypeScript; into a temporary folder, so the source tree stays clean), `npm pack` of the build, `npm install` of the tarball into an empty folder outside
 * the repository (so nothing of the repository's node_modules can be reached), then plain Node
 * loads it by `require` and by `import`, and the README's quick start runs as written.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const rulesDir = path.resolve(__dirname, '../../rules');
const manifest = JSON.parse(readFileSync(path.join(rulesDir, 'package.json'), 'utf8')) as {
	name: string;
	dependencies: Record<string, string>;
};
let workDir: string;
let consumer: string;
let buildOutput: string;

/** Node without anything that could reach the repository's modules. */
function node(args: string[]): string {
	const env = { ...process.env };
	delete env.NODE_PATH;
	delete env.NODE_OPTIONS;
	return execFileSync(process.execPath, args, { cwd: consumer, encoding: 'utf8', env });
}

function run(cmd: string, args: string[], cwd: string, env = process.env): string {
	try {
		return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe', env });
	} catch (error) {
		const e = error as { stdout?: string; stderr?: string };
		throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
	}
}

beforeAll(() => {
	workDir = mkdtempSync(path.join(os.tmpdir(), 'rules-package-'));
	// a different tsc first on PATH must not be used: the build takes the repository's pinned one
	const fakeBin = path.join(workDir, 'bin');
	execFileSync('mkdir', [fakeBin]);
	writeFileSync(path.join(fakeBin, 'tsc'), '#!/bin/sh\necho "not the pinned TypeScript" >&2\nexit 3\n', {
		mode: 0o755,
	});
	const built = path.join(workDir, 'build');
	buildOutput = run('npm', ['run', 'build', '--', built], rulesDir, {
		...process.env,
		PATH: `${fakeBin}${path.delimiter}${process.env.PATH}`,
	});
	run('npm', ['pack', built, '--pack-destination', workDir], workDir);
	const tarball = readdirSync(workDir).find((f) => f.endsWith('.tgz'));
	if (!tarball) throw new Error(`npm pack wrote no tarball into ${workDir}`);
	consumer = path.join(workDir, 'consumer');
	execFileSync('mkdir', [consumer]);
	writeFileSync(path.join(consumer, 'package.json'), '{ "name": "consumer", "private": true }\n');
	// the dependencies come from npm's cache when it has them (the repository's install filled it)
	run(
		'npm',
		['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(workDir, tarball)],
		consumer,
	);
}, 600_000);

afterAll(() => {
	if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the packed rules package', () => {
	it("builds with the repository's pinned TypeScript, whatever tsc is on PATH", () => {
		const lock = JSON.parse(readFileSync(path.join(rulesDir, '../package-lock.json'), 'utf8'));
		expect(buildOutput).toContain(`TypeScript ${lock.packages['node_modules/typescript'].version}`);
		expect(buildOutput).not.toContain('not the pinned TypeScript');
	});

	it('installs with only its own three dependencies', () => {
		expect(Object.keys(manifest.dependencies).sort()).toEqual(['json-rules-engine', 'luxon', 're2js']);
		const lock = JSON.parse(readFileSync(path.join(consumer, 'package-lock.json'), 'utf8')) as {
			packages: Record<string, { dependencies?: Record<string, string> }>;
		};
		const installed = lock.packages[`node_modules/${manifest.name}`];
		expect(Object.keys(installed.dependencies ?? {}).sort()).toEqual(['json-rules-engine', 'luxon', 're2js']);
		// nothing of the repository (its dev dependencies) came along
		expect(lock.packages['node_modules/n8n-workflow']).toBeUndefined();
		expect(lock.packages['node_modules/typescript']).toBeUndefined();
	});

	it('loads by require in plain Node (CommonJS)', () => {
		const out = node([
			'-e',
			`const r = require(${JSON.stringify(manifest.name)});
			const ctx = { now: Date.parse('2024-05-03T15:30:00Z'), timezone: 'Asia/Seoul' };
			const tree = { all: [
				{ fact: 'email', operator: 'matchesRegex', value: '@example\\\\.com$' },
				{ fact: 'lastSeenAt', operator: 'withinLast', value: '7d' },
				{ fact: 'cart.total', operator: 'greaterThan', value: { fact: 'stats.avg' } },
			] };
			const contact = { email: 'a@example.com', lastSeenAt: '2024-05-01', cart: { total: 5 }, stats: { avg: 3 } };
			console.log(JSON.stringify({
				compiled: r.compileConditions(tree)(contact, ctx),
				segment: typeof r.getSegment('inactive-90-days'),
				refused: r.validateConditions({ all: [{ fact: 'plan', operator: 'greaterThan', value: 'free' }] })[0].path,
			}));
			r.createEngine(ctx, [{ conditions: tree, event: { type: 'matched' } }]).run(contact)
				.then((res) => console.log(JSON.stringify({ engine: res.events.length > 0 })));`,
		]);
		expect(out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
			{ compiled: true, segment: 'object', refused: 'conditions.all[0].value' },
			{ engine: true },
		]);
	});

	it('loads by import in plain Node (ESM), named exports included', () => {
		const out = node([
			'--input-type=module',
			'-e',
			`import { compileConditions, createEngine, OPERATORS } from ${JSON.stringify(manifest.name)};
			import rules from ${JSON.stringify(manifest.name)};
			console.log(typeof compileConditions, typeof createEngine, OPERATORS.length > 10, typeof rules.compileConditions);`,
		]);
		expect(out.trim()).toBe('function function true function');
	});

	it("runs the README's quick start as written", () => {
		const readme = readFileSync(path.join(rulesDir, 'README.md'), 'utf8');
		const section = readme.slice(readme.indexOf('## Quick start'));
		const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
		expect(code, 'the README has a ```ts block under "## Quick start"').toBeTruthy();
		// what the README says each console.log prints
		const promised = [...code!.matchAll(/console\.log\(.*\); \/\/ (.+)$/gm)].map((m) => m[1]);
		expect(promised.length).toBeGreaterThan(0);
		const js = ts.transpileModule(code!, {
			compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
		}).outputText;
		writeFileSync(path.join(consumer, 'quick-start.mjs'), js);
		expect(node(['quick-start.mjs']).trim().split('\n')).toEqual(promised);
	});
});
