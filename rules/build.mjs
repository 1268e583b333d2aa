#!/usr/bin/env node
// `npm run build` in rules/: compiles the package into .build/ (or the folder given as the first
// argument), with the compiled files at the package root beside package.json and README, using the TypeScript the repository pins in its lock file,
// never a tsc that happens to be on PATH (another major version may not build this code).
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const out = path.resolve(process.argv[2] ?? path.join(here, '.build'));

const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const pinned = lock.packages?.['node_modules/typescript']?.version;
const fromRoot = createRequire(path.join(root, 'package.json'));
let installed;
try {
	installed = fromRoot('typescript/package.json').version;
} catch {
	installed = undefined;
}
if (!pinned || installed !== pinned) {
	console.error(
		`rules build: the repository pins TypeScript ${pinned ?? '(none in package-lock.json)'} but ${installed ? `${installed} is installed` : 'it is not installed'}: run npm ci in ${root}`,
	);
	process.exit(1);
}

rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(
	process.execPath,
	[fromRoot.resolve('typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.build.json'), '--outDir', out],
	{ stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

// the published manifest: no scripts (they only make sense in the repository)
const manifest = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));
delete manifest.scripts;
writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, '\t')}\n`);
copyFileSync(path.join(here, 'README.md'), path.join(out, 'README.md'));
console.log(`rules build: TypeScript ${installed} -> ${out}`);
