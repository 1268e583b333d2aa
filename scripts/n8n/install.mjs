// Brings Node 24 and n8n into the cache (keyed by version, only what is missing), builds and
// packs this package, and installs the tarball into an n8n user folder as a community package.
import { execFileSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	renameSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, cacheDir, ensureWritableDir, run, withLock } from './util.mjs';

export const N8N_VERSION = '2.41.1';
export const NODE_MAJOR = 24;
/** The repository root (scripts/n8n/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const MARKER = '.journeys-installed';

/** @param {string} msg */
const defaultLog = (msg) => process.stderr.write(`${msg}\n`);

/**
 * @param {string} dir
 * @returns {Record<string, unknown> | undefined}
 */
function readMarker(dir) {
	try {
		return JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8'));
	} catch {
		return undefined;
	}
}

/**
 * A Node 24 binary: the running one if it is Node 24, else `node-<os>-<arch>@24` from the npm
 * registry in `<cache>/node-24`.
 * @param {{ log?: (msg: string) => void }} [options]
 * @returns {Promise<string>} path of the node executable
 */
export async function ensureNode24(options = {}) {
	const log = options.log ?? defaultLog;
	if (Number(process.versions.node.split('.')[0]) === NODE_MAJOR) return process.execPath;
	const dir = path.join(cacheDir(), `node-${NODE_MAJOR}`);
	const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
	const bin = path.join(dir, 'node_modules', pkg, 'bin', 'node');
	if (readMarker(dir)?.package === pkg && existsSync(bin)) return bin;

	ensureWritableDir(cacheDir(), 'The cache folder');
	mkdirSync(dir, { recursive: true });
	return await withLock(
		`${dir}.lock`,
		async () => {
			if (readMarker(dir)?.package === pkg && existsSync(bin)) return bin;
			rmSync(path.join(dir, MARKER), { force: true });
			log(`Installing Node ${NODE_MAJOR} (${pkg}@${NODE_MAJOR}, ~30 MB download) into ${dir} …`);
			if (!existsSync(path.join(dir, 'package.json'))) {
				writeFileSync(path.join(dir, 'package.json'), '{"name":"node-cache","private":true}\n');
			}
			await run(
				'npm',
				['install', `${pkg}@${NODE_MAJOR}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
				{ cwd: dir, logFile: path.join(dir, 'install.log'), what: `Installing Node ${NODE_MAJOR}` },
			);
			const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
			if (!version.startsWith(`v${NODE_MAJOR}.`)) {
				throw new SetupError(`${bin} reports ${version}, expected Node ${NODE_MAJOR}.`);
			}
			writeFileSync(
				path.join(dir, MARKER),
				JSON.stringify({ package: pkg, version, installedAt: new Date().toISOString() }) + '\n',
			);
			return bin;
		},
		{ onWait: (pid) => log(`Waiting for process ${pid}, which is installing Node ${NODE_MAJOR} …`) },
	);
}

/**
 * The folder whose `include/node` holds the headers of a node binary (for native rebuilds).
 * @param {string} nodeBin
 */
export function nodeHeadersDir(nodeBin) {
	return path.dirname(path.dirname(nodeBin));
}

/**
 * n8n `version` in `<cache>/n8n-<version>`: `npm i n8n@<version> --ignore-scripts` (a plain
 * install fails on an optional Kafka native module) then `npm rebuild sqlite3` against Node 24's
 * headers. A marker is written only after both succeeded and sqlite3 loads, so a half-finished
 * install is redone.
 * @param {string} [version]
 * @param {{ nodeBin?: string, log?: (msg: string) => void }} [options]
 * @returns {Promise<{ version: string, dir: string, bin: string, nodeBin: string }>}
 */
export async function ensureN8n(version = N8N_VERSION, options = {}) {
	const log = options.log ?? defaultLog;
	const nodeBin = options.nodeBin ?? (await ensureNode24({ log }));
	const dir = path.join(cacheDir(), `n8n-${version}`);
	const bin = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const result = { version, dir, bin, nodeBin };
	const done = () => readMarker(dir)?.version === version && existsSync(bin);
	if (done()) return result;

	ensureWritableDir(cacheDir(), 'The cache folder');
	mkdirSync(dir, { recursive: true });
	return await withLock(
		`${dir}.lock`,
		async () => {
			if (done()) return result;
			rmSync(path.join(dir, MARKER), { force: true });
			const logFile = path.join(dir, 'install.log');
			const started = Date.now();
			log(
				`Installing n8n ${version} into ${dir} (first run only: ~750 MB download, ~2.9 GB on disk, ` +
					`a few minutes). Progress: ${logFile}`,
			);
			writeFileSync(
				path.join(dir, 'package.json'),
				JSON.stringify({ name: 'n8n-cache', private: true, dependencies: { n8n: version } }) + '\n',
			);
			const env = {
				...process.env,
				PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
				// build native modules against Node 24, not the system node the user npmrc may name
				npm_config_nodedir: nodeHeadersDir(nodeBin),
				// no prebuilt download attempts (often no route to GitHub): compile sqlite3 locally
				npm_config_build_from_source: 'true',
				npm_config_update_notifier: 'false',
			};
			await run(
				'npm',
				['install', `n8n@${version}`, '--save-exact', '--ignore-scripts', '--no-audit', '--no-fund'],
				{ cwd: dir, env, logFile, what: `Installing n8n ${version}` },
			);
			log(`Building sqlite3 for Node ${NODE_MAJOR} …`);
			await run('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false'], {
				cwd: dir,
				env,
				logFile,
				what: 'Rebuilding sqlite3 for Node 24',
			});
			await run(nodeBin, ['-e', "require('sqlite3'); require('n8n/package.json')"], {
				cwd: dir,
				env,
				logFile,
				what: 'Loading the rebuilt sqlite3 in Node 24',
			});
			writeFileSync(
				path.join(dir, MARKER),
				JSON.stringify({ version, node: execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim(), installedAt: new Date().toISOString() }) + '\n',
			);
			log(`n8n ${version} installed in ${Math.round((Date.now() - started) / 1000)} s.`);
			return result;
		},
		{ onWait: (pid) => log(`Waiting for process ${pid}, which is installing n8n ${version} …`) },
	);
}

/**
 * `npm run build` then `npm pack` of this repository into `outDir`; returns the tarball path.
 * @param {{ root?: string, outDir?: string, log?: (msg: string) => void }} [options]
 */
export async function buildAndPack(options = {}) {
	const root = options.root ?? REPO_ROOT;
	const outDir = options.outDir ?? path.join(root, 'test-artifacts', 'pack');
	const log = options.log ?? defaultLog;
	log('Building the package (npm run build) …');
	try {
		await run('npm', ['run', 'build'], { cwd: root, what: '`npm run build`' });
	} catch (error) {
		throw new SetupError(`The package build failed; fix it and try again.\n${/** @type {Error} */ (error).message}`);
	}
	mkdirSync(outDir, { recursive: true });
	for (const f of readdirSync(outDir)) if (f.endsWith('.tgz')) rmSync(path.join(outDir, f), { force: true });
	await run('npm', ['pack', '--pack-destination', outDir, '--loglevel=error'], { cwd: root, what: '`npm pack`' });
	const tarball = readdirSync(outDir).find((f) => f.endsWith('.tgz'));
	if (!tarball) throw new SetupError(`npm pack wrote no tarball into ${outDir}.`);
	return path.join(outDir, tarball);
}

/**
 * Installs a packed tarball as a community package of the n8n user folder:
 * `<userFolder>/.n8n/nodes/node_modules/<name>`, which n8n 2.41 scans for `n8n-nodes-*` and
 * loads as `<name>.<node>` (no ledger package.json needed: n8n writes its own from its
 * database). Replaces any earlier copy. Runtime dependencies, if the package ever declares some,
 * are installed the way n8n's own installer does (`npm install --omit=dev --ignore-scripts`).
 * @param {string} tarball
 * @param {string} userFolder
 * @returns {Promise<{ name: string, version: string, dir: string, nodes: string[], credentials: string[] }>}
 */
export async function packAndInstall(tarball, userFolder) {
	if (!existsSync(tarball)) throw new SetupError(`Package tarball ${tarball} does not exist.`);
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	ensureWritableDir(nodesDir, 'The n8n user folder', 'Fix its permissions, or use another folder.');
	const staging = mkdtempSync(path.join(nodesDir, '.staging-'));
	try {
		await run('tar', ['-xzf', tarball, '-C', staging], { what: `Extracting ${tarball}` });
		const unpacked = path.join(staging, 'package');
		const pkg = JSON.parse(readFileSync(path.join(unpacked, 'package.json'), 'utf8'));
		if (Object.keys(pkg.dependencies ?? {}).length > 0) {
			await run('npm', ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-audit', '--no-fund'], {
				cwd: unpacked,
				what: `Installing the runtime dependencies of ${pkg.name}`,
			});
		}
		const target = path.join(nodesDir, 'node_modules', pkg.name);
		mkdirSync(path.dirname(target), { recursive: true });
		rmSync(target, { recursive: true, force: true });
		renameSync(unpacked, target);
		return {
			name: pkg.name,
			version: pkg.version,
			dir: target,
			nodes: pkg.n8n?.nodes ?? [],
			credentials: pkg.n8n?.credentials ?? [],
		};
	} finally {
		rmSync(staging, { recursive: true, force: true });
	}
}
