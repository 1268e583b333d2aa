// The real-n8n harness used by `npm start` (scripts/start.mjs) and the e2e tests
// (test/e2e/setup/n8n.ts). Types: index.d.mts.
import { N8nApi, createApiKey, login, setupOwner } from './api.mjs';
import { ensureN8n, packAndInstall } from './install.mjs';
import { readUserFolderState, startN8n, writeUserFolderState } from './process.mjs';

export * from './api.mjs';
export * from './install.mjs';
export * from './process.mjs';
export * from './queue.mjs';
export { SetupError, cacheDir, inParallel, readLogTail, sleep } from './util.mjs';

/**
 * Everything between "nothing" and "an n8n with this package, an owner and an API key":
 * Node 24 + n8n from the cache, the tarball installed into the user folder, n8n started, the
 * owner created (or logged in) and an API key created (or the stored one reused). Login and key
 * are kept in `<userFolder>/journeys-harness.json` for the next start.
 * @param {{
 *   userFolder: string,
 *   tarball?: string,
 *   port?: number,
 *   runnerBrokerPort?: number,
 *   env?: Record<string, string | undefined>,
 *   owner?: { email?: string, password?: string },
 *   n8nVersion?: string,
 *   timeoutMs?: number,
 *   portHint?: string,
 *   log?: (msg: string) => void,
 * }} options
 */
export async function launchN8n(options) {
	const { userFolder, log } = options;
	const n8n = await ensureN8n(options.n8nVersion, { log });
	const installed = options.tarball ? await packAndInstall(options.tarball, userFolder) : undefined;
	const handle = await startN8n({
		userFolder,
		port: options.port,
		runnerBrokerPort: options.runnerBrokerPort,
		env: options.env,
		n8n,
		timeoutMs: options.timeoutMs,
		portHint: options.portHint,
		log,
	});
	try {
		const state = readUserFolderState(userFolder);
		const owner = await setupOwner(handle.url, {
			email: options.owner?.email ?? state.owner?.email,
			password: options.owner?.password ?? state.owner?.password,
		});
		state.owner = { email: owner.email, password: owner.password };
		writeUserFolderState(userFolder, state);
		let apiKey = state.apiKey;
		if (!apiKey || !(await new N8nApi(handle.url, apiKey).keyWorks())) {
			apiKey = await createApiKey(handle.url, owner.cookie ?? (await login(handle.url, owner.email, owner.password)));
			state.apiKey = apiKey;
			writeUserFolderState(userFolder, state);
		}
		return {
			n8n: handle,
			api: new N8nApi(handle.url, apiKey),
			apiKey,
			owner,
			installed,
			state,
		};
	} catch (error) {
		await handle.stop();
		throw error;
	}
}
