/**
 * The shipped artefact, not the source: the tarball from `npm pack`, extracted into a folder
 * with no node_modules beside it, must load every node and credential in a plain Node process,
 * and every node must share one runtime module (one store per process).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

interface Loaded {
	nodes: Array<{ file: string; className: string; name: string; icon: unknown }>;
	credentials: Array<{ file: string; className: string; name: string }>;
	errors: Array<{ file: string; message: string }>;
	refused: Array<{ request: string; from: string }>;
	modules: string[];
}

const root = path.resolve(__dirname, '../..');
let workDir: string;
let packageDir: string;
let pkg: { n8n: { nodes: string[]; credentials: string[] } };
let loaded: Loaded;
let files: string[];

beforeAll(() => {
	const tarball = inject('packageTarball');
	workDir = mkdtempSync(path.join(os.tmpdir(), 'journeys-packed-'));
	execFileSync('tar', ['-xzf', tarball, '-C', workDir]);
	packageDir = path.join(workDir, 'package');
	files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
	pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
	const out = execFileSync(
		process.execPath,
		[path.join(__dirname, 'load-packed.cjs'), packageDir, require.resolve('n8n-workflow', { paths: [root] })],
		{ cwd: workDir, encoding: 'utf8' },
	);
	loaded = JSON.parse(out);
});

afterAll(() => {
	if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
	it('has no node_modules beside the extracted package', () => {
		expect(existsSync(path.join(workDir, 'node_modules'))).toBe(false);
		expect(existsSync(path.join(packageDir, 'node_modules'))).toBe(false);
	});

	it('ships built files and templates only, no sources or tests', () => {
		const outside = files.filter(
			(f) =>
				!/^package\/(dist\/|workflows-templates\/|package\.json$|README\.md$|LICENSE(\.md)?$)/.test(f),
		);
		expect(outside).toEqual([]);
		expect(files.some((f) => f.endsWith('.test.js') || f.includes('/test/'))).toBe(false);
	});

	it('declares every node and credential under dist/ and each file exists in the tarball', () => {
		expect(pkg.n8n.nodes.length).toBeGreaterThan(0);
		for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
			expect(file.startsWith('dist/')).toBe(true);
			expect(files).toContain(`package/${file}`);
		}
	});

	it('loads and instantiates every listed node and credential with no runtime dependency missing', () => {
		expect(loaded.refused).toEqual([]);
		expect(loaded.errors).toEqual([]);
		expect(loaded.nodes.map((n) => n.file)).toEqual(pkg.n8n.nodes);
		expect(loaded.credentials.map((c) => c.file)).toEqual(pkg.n8n.credentials);
		for (const node of loaded.nodes) {
			expect(node.name, node.file).toMatch(/^[a-z][A-Za-z]+$/);
			expect(node.icon, node.file).toBeTruthy();
		}
	});

	it('gives every node the same single runtime module (one store and pool per process)', () => {
		const runtime = loaded.modules.filter((m) => m.startsWith(`dist${path.sep}lib${path.sep}`));
		expect(runtime).toEqual([path.join('dist', 'lib', 'index.js')]);
		const stray = loaded.modules.filter((m) => m.startsWith(`dist${path.sep}rules${path.sep}`));
		expect(stray).toEqual([]);
	});

	it('ships the light and dark icon of every node', () => {
		for (const node of loaded.nodes) {
			const icon = node.icon as { light: string; dark: string };
			expect(icon.light).not.toEqual(icon.dark);
			for (const variant of [icon.light, icon.dark]) {
				const svg = path.join(path.dirname(node.file), variant.replace(/^file:/, ''));
				expect(files, `${node.file} icon ${variant}`).toContain(`package/${svg}`);
			}
		}
	});
});
