/**
 * One real n8n for the whole e2e tier: Node 24 + n8n 2.41.1 from the cache (installed on first
 * use), the packed package (from the root global setup) installed as a community package into a
 * temporary user folder, an owner and an API key. Tests read the connection with `inject(...)`
 * (see ../helpers.ts). The n8n log is copied to test-artifacts/e2e-n8n.log at teardown.
 *
 * JOURNEYS_E2E_TARBALL=<path.tgz> installs that tarball instead of the freshly packed one;
 * JOURNEYS_E2E_KEEP=1 keeps the temporary user folder for inspection.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PACKAGE_NAME, launchN8n, nodeTypes } from '../../../scripts/n8n/index.mjs';

declare module 'vitest' {
	export interface ProvidedContext {
		n8nUrl: string;
		n8nApiKey: string;
		n8nUserFolder: string;
		n8nOwnerEmail: string;
		n8nOwnerPassword: string;
		n8nLogFile: string;
		/** where the package under test is installed inside the user folder */
		n8nPackageDir: string;
		/** node type names this package declares (package.json n8n.nodes), e.g. n8n-nodes-journeys.segmentFilter */
		n8nPackageNodeTypes: string[];
	}
}

const root = path.resolve(__dirname, '../../..');

/** `dist/nodes/SegmentFilter/SegmentFilter.node.js` → `n8n-nodes-journeys.segmentFilter` */
export function nodeTypeFromFile(file: string, packageName = PACKAGE_NAME): string {
	const base = path.basename(file).replace(/\.node\.js$/, '');
	return `${packageName}.${base.charAt(0).toLowerCase()}${base.slice(1)}`;
}

export default async function setup(project: TestProject) {
	const tarball = process.env.JOURNEYS_E2E_TARBALL || project.getProvidedContext().packageTarball;
	if (!tarball) {
		throw new Error(
			'The e2e tier got no package tarball: the root global setup (test/setup/build-package.ts) provides it. ' +
				'Run the tier through the root config: npx vitest run --project e2e',
		);
	}
	const started = Date.now();
	const userFolder = mkdtempSync(path.join(os.tmpdir(), 'journeys-e2e-'));
	const log = (msg: string) => console.log(`[e2e n8n] ${msg}`);
	let launched: Awaited<ReturnType<typeof launchN8n>>;
	try {
		// tests move a namespace's store clock by writing this file (lib/store/testClock.ts)
		const env = { JOURNEYS_TEST_CLOCK_FILE: path.join(userFolder, 'journeys-test-clock.json') };
		launched = await launchN8n({ userFolder, tarball, owner: { email: 'e2e-owner@example.com' }, log, env });
	} catch (error) {
		// SetupError messages carry the n8n log tail
		throw new Error(`The e2e n8n did not start: ${(error as Error).message}`);
	}
	const { n8n, owner, installed } = launched;

	try {
		// the package must load under its package name, exactly as templates name the types
		const expected = (installed?.nodes ?? []).map((f) => nodeTypeFromFile(f, installed?.name));
		const loaded = new Set((await nodeTypes(n8n.url, owner.cookie)).map((t) => t.name));
		const missing = expected.filter((t) => !loaded.has(t));
		if (expected.length === 0 || missing.length > 0) {
			throw new Error(
				`n8n did not load ${missing.length ? missing.join(', ') : 'any node'} of ${installed?.name} ` +
					`(installed in ${installed?.dir}). Last lines of ${n8n.logFile}:\n${n8n.logTail(60)}`,
			);
		}
		log(`n8n ${n8n.url} ready in ${Math.round((Date.now() - started) / 1000)} s with ${expected.join(', ')}`);

		project.provide('n8nUrl', n8n.url);
		project.provide('n8nApiKey', launched.apiKey);
		project.provide('n8nUserFolder', userFolder);
		project.provide('n8nOwnerEmail', owner.email);
		project.provide('n8nOwnerPassword', owner.password);
		project.provide('n8nLogFile', n8n.logFile);
		project.provide('n8nPackageDir', installed!.dir);
		project.provide('n8nPackageNodeTypes', expected);
	} catch (error) {
		await n8n.stop();
		throw error;
	}

	return async () => {
		await n8n.stop();
		const artifacts = path.join(root, 'test-artifacts');
		mkdirSync(artifacts, { recursive: true });
		copyFileSync(n8n.logFile, path.join(artifacts, 'e2e-n8n.log'));
		if (process.env.JOURNEYS_E2E_KEEP === '1') log(`kept the user folder ${userFolder}`);
		else rmSync(userFolder, { recursive: true, force: true });
	};
}
