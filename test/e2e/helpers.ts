/**
 * What the e2e tests share: the n8n started by setup/n8n.ts, importing and activating workflows,
 * posting to webhooks, waiting for executions and reading which output each item took.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, inject } from 'vitest';
import {
	N8nApi,
	postWebhook,
	readLogTail,
	webhookPaths,
	type Execution,
	type HttpAnswer,
	type ImportedWorkflow,
} from '../../scripts/n8n/index.mjs';

export type Workflow = Record<string, any>;

/** Connection details of the tier's n8n (provided by setup/n8n.ts). */
export function n8nContext() {
	return {
		url: inject('n8nUrl'),
		apiKey: inject('n8nApiKey'),
		userFolder: inject('n8nUserFolder'),
		ownerEmail: inject('n8nOwnerEmail'),
		ownerPassword: inject('n8nOwnerPassword'),
		logFile: inject('n8nLogFile'),
		packageDir: inject('n8nPackageDir'),
		packageNodeTypes: inject('n8nPackageNodeTypes'),
	};
}

let apiInstance: N8nApi | undefined;
/** The public API client (/api/v1 with the tier's API key). */
export function api(): N8nApi {
	apiInstance ??= new N8nApi(inject('n8nUrl'), inject('n8nApiKey'));
	return apiInstance;
}

/** The last lines of the n8n log. */
export function n8nLogTail(lines = 80): string {
	return readLogTail(inject('n8nLogFile'), lines);
}

/** The n8n log's size now: pass it to n8nLogSince to read what n8n logged after. */
export function n8nLogSize(): number {
	return statSync(inject('n8nLogFile')).size;
}

/** The lines n8n logged since n8nLogSize() returned `from`. */
export function n8nLogSince(from: number): string[] {
	return readFileSync(inject('n8nLogFile')).subarray(from).toString('utf8').split('\n');
}

/**
 * Registers an afterEach hook that prints the n8n log tail when the test failed. Call it once
 * at the top of a test file.
 */
export function printN8nLogOnFailure(lines = 80): void {
	afterEach((context) => {
		if (context.task.result?.state === 'fail') {
			console.error(`\n----- last ${lines} lines of the n8n log (${inject('n8nLogFile')}) -----\n${n8nLogTail(lines)}\n-----`);
		}
	});
}

/** A workflow JSON from test/e2e/fixtures. */
export function loadFixture(name: string): Workflow {
	return JSON.parse(readFileSync(path.join(__dirname, 'fixtures', name), 'utf8'));
}

/**
 * A copy of the workflow whose webhooks listen on paths of their own (`<path>-<suffix>`, fresh
 * webhook ids), and whose name carries the suffix, so a fixture can be imported more than once.
 */
export function isolated(workflow: Workflow, suffix = randomUUID().slice(0, 8)): Workflow {
	const copy = structuredClone(workflow);
	copy.name = `${copy.name} ${suffix}`;
	for (const node of copy.nodes ?? []) {
		if (node.webhookId && typeof node.parameters?.path === 'string') {
			node.webhookId = randomUUID();
			node.parameters.path = `${node.parameters.path}-${suffix}`;
		}
	}
	return copy;
}

/**
 * Imports a workflow object through the public API and (by default) activates it.
 * @returns the new workflow's id, name and production webhook paths
 */
export async function importWorkflow(workflow: Workflow, options: { activate?: boolean } = {}): Promise<ImportedWorkflow> {
	const [imported] = await api().importWorkflows([workflow], { activate: options.activate ?? true });
	return imported;
}

/**
 * POSTs a JSON body to a production webhook path, retrying briefly while a just-activated
 * webhook still answers 404, and fails unless n8n answers 2xx.
 */
export async function postToWebhook(webhookPath: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer> {
	const res = await postWebhook(inject('n8nUrl'), webhookPath, body, { headers });
	if (res.status < 200 || res.status >= 300) {
		throw new Error(`POST /webhook/${webhookPath} answered ${res.status}: ${res.text.slice(0, 500)}`);
	}
	return res;
}

/** The single webhook path of an imported workflow. */
export function onlyWebhookPath(workflow: Workflow | ImportedWorkflow): string {
	const paths = 'webhookPaths' in workflow ? workflow.webhookPaths : webhookPaths(workflow);
	if (paths.length !== 1) throw new Error(`expected one webhook in the workflow, found ${paths.length}`);
	return paths[0];
}

/** Waits until the workflow has `count` finished executions (with data), oldest first. */
export function waitForExecutions(workflowId: string, count: number, timeoutMs = 60_000): Promise<Execution[]> {
	return api().waitForExecutions({ workflowId, count, timeoutMs, includeData: true });
}

/**
 * The items a node emitted in its first run, per output index:
 * `runData[nodeName][0].data.main[outputIndex]`.
 */
export function outputItems(execution: Execution, nodeName: string): Array<Array<Record<string, any>>> {
	const runData = execution.data?.resultData.runData;
	if (!runData) throw new Error(`execution ${execution.id} has no data (was it read with includeData=true?)`);
	const run = runData[nodeName]?.[0];
	if (!run) {
		const error = execution.data?.resultData.error?.message;
		throw new Error(
			`node "${nodeName}" did not run in execution ${execution.id} (status ${execution.status}` +
				`${error ? `, error: ${error}` : ''}; nodes that ran: ${Object.keys(runData).join(', ')})`,
		);
	}
	return (run.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
}

/**
 * Which output each item of `nodeName` took, keyed by an item field (default `contactId`),
 * across the given executions. Throws if an item shows up twice.
 */
export function outputTakenBy(
	executions: Execution[],
	nodeName: string,
	key = 'contactId',
): Record<string, number> {
	const taken: Record<string, number> = {};
	for (const execution of executions) {
		outputItems(execution, nodeName).forEach((items, outputIndex) => {
			for (const json of items) {
				const id = String(json[key]);
				if (id in taken) throw new Error(`item ${key}=${id} left "${nodeName}" twice (outputs ${taken[id]} and ${outputIndex})`);
				taken[id] = outputIndex;
			}
		});
	}
	return taken;
}

/**
 * Debian's chromium (or CHROMIUM_PATH), headless, logged in to the tier's n8n as the owner.
 * A missing browser is a failed test saying how to install one, never a skip.
 */
export async function openEditor(): Promise<{ browser: Browser; page: Page }> {
	const browser = await launchBrowser();
	const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
	page.setDefaultTimeout(90_000);
	await signIn(page);
	return { browser, page };
}

/** Debian's headless Chromium with the flags this machine needs; a missing one fails with the fix. */
export async function launchBrowser(): Promise<Browser> {
	const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
	if (!existsSync(chromiumPath)) {
		throw new Error(`No chromium at ${chromiumPath}. Install it with \`sudo apt-get install chromium\` (or set CHROMIUM_PATH to a Chromium/Chrome binary).`);
	}
	return chromium.launch({
		executablePath: chromiumPath,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
	});
}

/** Signs the owner in on a page of an open browser. */
export async function signIn(page: Page): Promise<void> {
	const ctx = n8nContext();
	await page.goto(`${ctx.url}/signin`);
	await page.fill('#emailOrLdapLoginId', ctx.ownerEmail);
	await page.fill('#password', ctx.ownerPassword);
	await page.keyboard.press('Enter');
	await page.waitForURL((u) => !u.pathname.includes('/signin'));
}
