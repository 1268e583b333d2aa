#!/usr/bin/env node
// Second half of `npm run build` (after `n8n-node build` compiled every file with tsc):
// replaces the compiled lib/ and rules/ with ONE bundle, dist/lib/index.js, that carries the
// runtime libraries (json-rules-engine, luxon, ioredis, re2js, nodemailer) and the Lua scripts. n8n loads
// community packages without installing their dependencies and the community lint forbids
// runtime `dependencies`, so they ship inside the bundle. One file also means one module
// instance per process: every node shares the same store registry and connection pools.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

rmSync(path.join(dist, 'lib'), { recursive: true, force: true });
rmSync(path.join(dist, 'rules'), { recursive: true, force: true });

await build({
	entryPoints: [path.join(root, 'lib/index.ts')],
	outfile: path.join(dist, 'lib/index.js'),
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	// provided by n8n at run time (peer dependency); bundling it would make a second copy
	external: ['n8n-workflow'],
	loader: { '.lua': 'text' },
	legalComments: 'linked',
	logLevel: 'warning',
});

// The command line (`npx n8n-nodes-journeys clone …`, package.json#bin) and its exported
// function: plain Node, outside n8n, with the n8n API client of scripts/n8n bundled in.
for (const name of ['main', 'clone']) {
	await build({
		entryPoints: [path.join(root, `cli/${name}.ts`)],
		outfile: path.join(dist, `cli/${name}.js`),
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		banner: name === 'main' ? { js: '#!/usr/bin/env node' } : undefined,
		logLevel: 'warning',
	});
}
