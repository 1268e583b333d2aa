/**
 * The package in n8n's editor (Debian chromium driven by playwright-core): log in, open a
 * workflow that holds every node this package declares (package.json n8n.nodes, so it grows as
 * nodes are added), check each renders with its own icon and nothing shows the "unknown node /
 * install this node" marker, open one node's parameter panel, and save screenshots to
 * test-artifacts/screenshots (with UPDATE_README_SCREENSHOT=1, one also becomes docs/journey.png).
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { login, nodeTypes, type NodeTypeDescription } from '../../scripts/n8n/index.mjs';
import {
	api,
	importWorkflow,
	launchBrowser,
	n8nContext,
	onlyWebhookPath,
	postToWebhook,
	printN8nLogOnFailure,
	signIn,
	waitForExecutions,
	type Workflow,
} from './helpers';

printN8nLogOnFailure();

const root = path.resolve(__dirname, '../..');
const screenshots = path.join(root, 'test-artifacts', 'screenshots');

/** One of this package's nodes: its type, the folder its files live in, and n8n's description. */
interface PackageNode {
	type: string;
	folder: string;
	description: NodeTypeDescription;
}

const newest = (d: NodeTypeDescription): number =>
	Array.isArray(d.version) ? Math.max(...(d.version as number[])) : (d.version as number);

function isTrigger(d: NodeTypeDescription): boolean {
	const group = (d.group as string[] | undefined) ?? [];
	return group.includes('trigger') || (Array.isArray(d.inputs) && d.inputs.length === 0);
}

/**
 * A journey-shaped workflow with every node of the package: a webhook, then each action node in
 * a row (output 0 into the next), and each trigger node of the package at the start of a row
 * of its own.
 */
function workflowWithEveryNode(nodes: PackageNode[]): Workflow {
	const wfNodes: Workflow[] = [
		{
			id: 'b0000000-0000-4000-8000-000000000000',
			name: 'Contact Enters Journey',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'b0000000-0000-4000-8000-0000000000aa',
			parameters: { httpMethod: 'POST', path: 'e2e-browser-journey', responseMode: 'onReceived', options: {} },
		},
	];
	const connections: Workflow = {};
	let previous = 'Contact Enters Journey';
	let x = 0;
	let triggerRow = 0;
	nodes.forEach((node, i) => {
		const name = node.description.displayName;
		const version = newest(node.description);
		const entry = {
			id: `b0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
			name,
			type: node.type,
			typeVersion: version,
			position: [0, 0] as [number, number],
			parameters: {},
		};
		if (isTrigger(node.description)) {
			triggerRow += 1;
			entry.position = [0, triggerRow * 260];
			// n8n gives a webhook-based trigger its own path; keep it unique per run
			Object.assign(entry, { webhookId: `b0000000-0000-4000-8000-${String(900 + i).padStart(12, '0')}` });
		} else {
			x += 300;
			entry.position = [x, 0];
			connections[previous] = { main: [[{ node: name, type: 'main', index: 0 }]] };
			previous = name;
		}
		wfNodes.push(entry);
	});
	return {
		name: 'e2e: every node of n8n-nodes-journeys',
		nodes: wfNodes,
		connections,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	};
}

describe('the package in the n8n editor', () => {
	const ctx = n8nContext();
	let browser: Browser | undefined;
	let nodes: PackageNode[];
	let workflowId: string;

	beforeAll(async () => {
		mkdirSync(screenshots, { recursive: true });

		// which nodes the installed package declares, and how n8n describes them
		const pkg = JSON.parse(readFileSync(path.join(ctx.packageDir, 'package.json'), 'utf8'));
		const files: string[] = pkg.n8n.nodes;
		const cookie = await login(ctx.url, ctx.ownerEmail, ctx.ownerPassword);
		// a versioned node is described once per version: keep the newest, which new nodes get
		const described = new Map<string, NodeTypeDescription>();
		for (const t of await nodeTypes(ctx.url, cookie)) {
			const known = described.get(t.name);
			if (!known || newest(t) > newest(known)) described.set(t.name, t);
		}
		nodes = files.map((file, i) => {
			const type = ctx.packageNodeTypes[i];
			const description = described.get(type);
			if (!description) throw new Error(`n8n does not know ${type} (declared by ${file})`);
			return { type, folder: path.dirname(file), description };
		});
		workflowId = (await importWorkflow(workflowWithEveryNode(nodes), { activate: false })).id;
	});

	// what the browser showed when a test failed, to see which step broke
	// one page per test: a page left open on a workflow may save it while the next test edits it
	// ("Workflow was changed by someone else"); registered first, so it runs after the screenshots
	afterEach(async () => {
		for (const page of browser?.contexts().flatMap((c) => c.pages()) ?? []) await page.close();
	});

	afterEach(async (context) => {
		if (context.task.result?.state !== 'fail' || !browser) return;
		for (const [i, page] of browser.contexts().flatMap((c) => c.pages()).entries()) {
			await page.screenshot({ path: path.join(screenshots, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}-${i}.png`) }).catch(() => undefined);
		}
	});

	afterAll(async () => {
		await browser?.close();
	});

	/** A new page of the shared browser, signed in as the owner. */
	async function signedInPage(height = 900): Promise<Page> {
		browser ??= await launchBrowser();
		const page = await browser.newPage({ viewport: { width: 1600, height }, deviceScaleFactor: 1 });
		page.setDefaultTimeout(90_000);
		await signIn(page);
		return page;
	}

	it('logs in, shows every node with its own icon and opens a parameter panel', async () => {
		const page = await signedInPage();
		await page.goto(`${ctx.url}/workflow/${workflowId}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		const canvasNode = (type: string) => page.locator(`[data-test-id="canvas-node"][data-node-type="${type}"]`);
		for (const node of nodes) {
			await canvasNode(node.type).waitFor();
			const img = canvasNode(node.type).locator('img').first();
			// loaded (not a broken image), and served from this node's own folder in the package
			await expect.poll(() => img.evaluate((el) => {
				const image = el as unknown as { complete: boolean; naturalWidth: number }; // no DOM lib in tsconfig
				return image.complete && image.naturalWidth > 0;
			})).toBe(true);
			const src = await img.getAttribute('src');
			expect(src, `icon of ${node.type}`).toMatch(
				new RegExp(`/icons/n8n-nodes-journeys/${node.folder.replace(/[/.]/g, '\\$&')}/[^/]+\\.svg$`),
			);
		}
		expect(await page.locator('[data-test-id="canvas-node"]').count()).toBe(nodes.length + 1);
		expect(await page.locator('[data-test-id="node-not-installed"]').count()).toBe(0);
		expect(await page.getByText('Install this node to use it').count()).toBe(0);
		await page.mouse.move(5, 450); // no hover toolbar in the picture
		await page.screenshot({ path: path.join(screenshots, 'journey-canvas.png') });

		// the parameter panel of the first action node (or the first node)
		const opened = nodes.find((n) => !isTrigger(n.description)) ?? nodes[0];
		await canvasNode(opened.type).dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		await ndv.waitFor();
		await ndv.locator('[data-test-id="node-parameters"]').waitFor();
		expect(await ndv.locator('[data-test-id^="parameter-input-"]').count()).toBeGreaterThan(0);
		expect(await ndv.getByText('Install this node to use it').count()).toBe(0);
		expect(await ndv.locator('[data-test-id="node-title-container"]').innerText()).toContain(
			opened.description.displayName,
		);
		await page.screenshot({ path: path.join(screenshots, 'node-parameters.png') });

		// a test run must not change tracked files: the README picture is refreshed on request
		if (process.env.UPDATE_README_SCREENSHOT === '1') {
			mkdirSync(path.join(root, 'docs'), { recursive: true });
			copyFileSync(path.join(screenshots, 'journey-canvas.png'), path.join(root, 'docs', 'journey.png'));
		}
	});

	it('every dropdown of every package node lists entries when a marketer opens it', async () => {
		const page = await signedInPage();
		await page.goto(`${ctx.url}/workflow/${workflowId}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		const opened: Record<string, number> = {};
		for (const node of nodes) {
			await page.locator(`[data-test-id="canvas-node"][data-node-type="${node.type}"]`).dblclick();
			const ndv = page.locator('[data-test-id="ndv"]');
			await ndv.locator('[data-test-id="node-parameters"]').waitFor();
			const counts = await openEveryDropdown(page, node.description.displayName);
			opened[node.description.displayName] = counts;
			await ndv.locator('[data-test-id="ndv-close-button"]').click();
			await ndv.waitFor({ state: 'hidden' });
		}
		// every node has at least one dropdown (Store, Operation, Mode ...)
		expect(Object.keys(opened)).toHaveLength(nodes.length);
		for (const [name, count] of Object.entries(opened)) expect(count, name).toBeGreaterThan(0);
	});

	it('a marketer builds a segment in the Segment Filter and runs it on pinned contacts', async () => {
		const run = Math.random().toString(36).slice(2, 8);
		const id = (name: string) => `mk-${run}-${name}`;
		// purchases recorded in this n8n process's in-memory store, as a journey would
		const recorder = await importWorkflow(eventRecorder(`e2e-browser-purchases-${run}`));
		const day = 86_400_000;
		const purchases = [
			[id('kr-pro-2x'), 1],
			[id('kr-pro-2x'), 3],
			[id('kr-pro-1x'), 2],
			[id('jp-free-3x'), 1],
			[id('jp-free-3x'), 2],
			[id('jp-free-3x'), 5],
			[id('us-free-5x'), 1],
			[id('us-free-5x'), 2],
			[id('kr-pro-old'), 40],
			[id('kr-pro-old'), 41],
		].map(([contactId, daysAgo], i) => ({
			contactId,
			id: `${run}-purchase-${i}`,
			name: 'purchase',
			occurredAt: new Date(Date.now() - (daysAgo as number) * day).toISOString(),
		}));
		await postToWebhook(onlyWebhookPath(recorder), purchases);
		await waitForExecutions(recorder.id, 1);

		const contacts = [
			{ contactId: id('kr-pro-2x'), plan: 'pro', country: 'KR' },
			{ contactId: id('kr-pro-1x'), plan: 'pro', country: 'KR' },
			{ contactId: id('jp-free-3x'), plan: 'free', country: 'JP' },
			{ contactId: id('us-free-5x'), plan: 'free', country: 'US' },
			{ contactId: id('kr-pro-old'), plan: 'pro', country: 'KR' },
		];
		const imported = await importWorkflow(
			{
				name: `e2e: a marketer's segment ${run}`,
				nodes: [
					{ id: 'e0000000-0000-4000-8000-000000000001', name: 'Contacts', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{ id: 'e0000000-0000-4000-8000-000000000002', name: 'Segment Filter', type: 'n8n-nodes-journeys.segmentFilter', typeVersion: 2, position: [300, 0], parameters: {} },
				],
				connections: { Contacts: { main: [[{ node: 'Segment Filter', type: 'main', index: 0 }]] } },
				settings: { executionOrder: 'v1' },
				pinData: { Contacts: contacts.map((json) => ({ json })) },
			},
			{ activate: false },
		);

		const page = await signedInPage(1350); // tall enough to show both lists and the result at once
		await page.goto(`${ctx.url}/workflow/${imported.id}`);
		await page.locator('[data-test-id="canvas-node"][data-node-type="n8n-nodes-journeys.segmentFilter"]').dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		await ndv.locator('[data-test-id="node-parameters"]').waitFor();
		await ndv.locator('[data-test-id="run-data-schema-item"]').first().waitFor();

		// group 1: plan is equal to pro (dragged from the input panel), operator picked from the list
		await dragField(page, 'plan', 0);
		await pickOperator(page, 0, 'String', 'is equal to');
		await typeRightValue(page, 0, 'pro');
		await page.locator('[data-test-id="filter-add-condition"]').first().click();
		await settle(page);
		await dragField(page, 'country', 1);
		await pickOperator(page, 1, 'String', 'is not equal to');
		await typeRightValue(page, 1, 'US');

		// group 2: country is equal to JP
		await ndv.locator('[data-test-id="fixed-collection-conditionGroups"] [data-test-id="fixed-collection-add"]').click();
		await expect.poll(() => ndv.locator('[data-test-id="filter-condition"]').count(), { timeout: 30_000 }).toBe(3);
		await dragField(page, 'country', 2);
		await pickOperator(page, 2, 'String', 'is equal to');
		await typeRightValue(page, 2, 'JP');

		// did event purchase at least 2 times in 30 days; only the fields that operator uses show
		const behaviour = ndv.locator('[data-test-id="fixed-collection-behaviourConditions"]');
		await behaviour.locator('[data-test-id="fixed-collection-add"]').click();
		await behaviour.locator('[data-test-id="parameter-input-operator"]').waitFor();
		expect(await behaviour.locator('[data-test-id="parameter-input-operator"] input').first().inputValue()).toContain('Did Event at Least');
		for (const hidden of ['period', 'days']) expect(await behaviour.locator(`[data-test-id="parameter-input-${hidden}"]`).count(), hidden).toBe(0);
		expect(await behaviour.getByText('Date Field', { exact: true }).count()).toBe(0);
		await fillInput(behaviour.locator('[data-test-id="parameter-input-event"]'), 'purchase');
		await fillInput(behaviour.locator('[data-test-id="parameter-input-times"]'), '2');
		expect(await behaviour.locator('[data-test-id="parameter-input-window"] input').inputValue()).toBe('30d');
		// a date operator swaps in its own fields
		await behaviour.locator('[data-test-id="parameter-input-operator"]').click();
		const operators = page.locator('.el-select-dropdown__item:visible, [data-test-id="parameter-input-item"]:visible');
		// the list opens with an animation: read it once it is there
		await expect.poll(() => operators.allInnerTexts(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringContaining('Date Is Within the Last')]));
		await closePopups(page);

		// the purchases were recorded by an active workflow, into the production store: a marketer
		// trying the segment on real history points the editor's test runs at it
		const testRuns = ndv.locator('[data-test-id="parameter-input-testRunStore"]');
		await testRuns.scrollIntoViewIfNeeded();
		await testRuns.click();
		await page.locator('.el-select-dropdown__item:visible, [data-test-id="parameter-input-item"]:visible').filter({ hasText: 'The Production Store' }).first().click();
		await expect.poll(() => testRuns.locator('input').first().inputValue(), { timeout: 30_000 }).toBe('The Production Store');
		await settle(page);

		await ndv.locator('[data-test-id="node-execute-button"]').click();
		const output = ndv.locator('[data-test-id="output-panel"]');
		await output.locator('[data-test-id="node-run-status-success"]').waitFor();
		await output.locator('[data-test-id="radio-button-json"]').click();
		await output.locator('[data-test-id="tab-0"]').click();
		const shown = async () => (await output.locator('[data-test-id="ndv-data-container"]').innerText()).replace(/\s+/g, ' ');
		await expect.poll(shown, { timeout: 60_000 }).toContain(id('kr-pro-2x'));
		const matched = await shown();
		expect(matched).toContain(id('jp-free-3x'));
		for (const out of ['kr-pro-1x', 'us-free-5x', 'kr-pro-old']) expect(matched, out).not.toContain(id(out));
		await output.locator('[data-test-id="tab-1"]').click();
		await expect.poll(shown, { timeout: 30_000 }).toContain(id('kr-pro-1x'));
		const notMatched = await shown();
		for (const out of ['us-free-5x', 'kr-pro-old']) expect(notMatched).toContain(id(out));
		expect(notMatched).not.toContain(id('kr-pro-2x'));

		// the README picture: both lists and the contacts on Matched
		await output.locator('[data-test-id="tab-0"]').click();
		await ndv.getByText('Define Segment By', { exact: true }).scrollIntoViewIfNeeded();
		await page.mouse.move(5, 600);
		await page.screenshot({ path: path.join(screenshots, 'segment-filter-builder.png') });

		if (process.env.UPDATE_README_SCREENSHOT === '1') {
			copyFileSync(path.join(screenshots, 'segment-filter-builder.png'), path.join(root, 'docs', 'segment-filter-builder.png'));
		}
	});

	it('renders the form of a Channel Send credential', async () => {
		const created = await api().createCredential({
			name: `Channel Send SMTP form ${Date.now()}`,
			type: 'channelSendSmtpApi',
			data: { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'mailer', password: 'secret', from: 'Acme <news@acme.example>', allowSelfSigned: false },
		});
		const page = await signedInPage();
		await page.goto(`${ctx.url}/home/credentials/${created.id}`);
		const modal = page.locator('[data-test-id="editCredential-modal"]');
		await modal.waitFor();
		await page.waitForTimeout(3000);
		await page.screenshot({ path: path.join(screenshots, 'channel-send-smtp-credential.png') });
		const text = await modal.innerText();
		for (const label of ['Host', 'Port', 'Security', 'User', 'Password', 'From']) expect(text, `the credential form shows "${label}"`).toMatch(new RegExp(`(^|\\n)${label}\\b`));
		await page.close();
	});
});

/** Webhook → one item per event → Journey Event (record, in-memory store). */
function eventRecorder(webhookPath: string): Workflow {
	return {
		name: `e2e: record purchases ${webhookPath}`,
		nodes: [
			{
				id: 'f0000000-0000-4000-8000-000000000001',
				name: 'Events In',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'onReceived', options: {} },
			},
			{ id: 'f0000000-0000-4000-8000-000000000002', name: 'One Item per Event', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [220, 0], parameters: { fieldToSplitOut: 'body', options: {} } },
			{
				id: 'f0000000-0000-4000-8000-000000000003',
				name: 'Record Purchase',
				type: 'n8n-nodes-journeys.journeyEvent',
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					operation: 'record',
					store: 'memory',
					contactId: '={{ $json.contactId }}',
					eventId: '={{ $json.id }}',
					eventName: '={{ $json.name }}',
					occurredAt: '={{ $json.occurredAt }}',
					properties: '={{ {} }}',
				},
			},
		],
		connections: {
			'Events In': { main: [[{ node: 'One Item per Event', type: 'main', index: 0 }]] },
			'One Item per Event': { main: [[{ node: 'Record Purchase', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	};
}

/**
 * n8n's condition builder saves an edit after a short debounce; an edit made before that (such
 * as adding a group) re-renders from the saved value and drops it. A person is never that quick.
 */
async function settle(page: Page): Promise<void> {
	await page.waitForTimeout(1500);
}

/** Closes an open dropdown the way a user does: a click beside it, on the Parameters tab (Escape could close the panel). */
async function closePopups(page: Page): Promise<void> {
	// a raw click: an open menu lays an overlay over the page that takes it and closes
	const tab = (await page.locator('[data-test-id="ndv"] [data-test-id="tab-params"]').boundingBox())!;
	await page.mouse.click(tab.x + tab.width / 2, tab.y + tab.height / 2);
	await page.waitForTimeout(500); // the closing animation
}

/** Types into a parameter's text input, replacing what was there. */
async function fillInput(parameter: Locator, text: string): Promise<void> {
	const input = parameter.locator('input, textarea, [contenteditable="true"]').first();
	await input.click();
	await input.press('ControlOrMeta+a');
	await input.pressSequentially(text);
	await input.press('Tab');
}

/** Drags a field of the input panel's schema onto the left value of condition `index`. */
async function dragField(page: Page, field: string, index: number): Promise<void> {
	const source = page.locator('[data-test-id="run-data-schema-item"]').getByText(field, { exact: true }).first();
	const target = page.locator('[data-test-id="filter-condition-left"]').nth(index);
	await target.scrollIntoViewIfNeeded();
	const from = (await source.boundingBox())!;
	const to = (await target.boundingBox())!;
	await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
	await page.mouse.down();
	for (let step = 1; step <= 15; step++) {
		await page.mouse.move(from.x + ((to.x + 40 - from.x) * step) / 15, from.y + ((to.y + to.height / 2 - from.y) * step) / 15);
	}
	await page.mouse.up();
	await expect.poll(() => target.innerText(), { timeout: 30_000 }).toContain(`{{ $json.${field} }}`);
	await settle(page);
}

/** Opens the operator list of condition `index` and picks `type` → `operation`. */
async function pickOperator(page: Page, index: number, type: string, operation: string): Promise<void> {
	await page.locator('[data-test-id="filter-operator-select"]').nth(index).click();
	await page.getByRole('menuitem', { name: type, exact: true }).hover();
	await page.getByRole('menuitem', { name: operation, exact: true }).click();
	await expect.poll(() => page.locator('[data-test-id="filter-operator-select"]').nth(index).innerText(), { timeout: 30_000 }).toContain(operation);
	await settle(page);
}

async function typeRightValue(page: Page, index: number, text: string): Promise<void> {
	const input = page.locator('[data-test-id="filter-condition-right"]').nth(index).locator('[data-test-id="parameter-input-field"]');
	await input.click();
	await input.pressSequentially(text);
	// leaving the field keeps the value (and closes the drag tip over the buttons below)
	await input.press('Tab');
	await expect.poll(() => input.inputValue(), { timeout: 30_000 }).toBe(text);
	await settle(page);
}

/**
 * Opens every dropdown the parameter panel shows (options, multi-options, "Add option" of
 * collections, and n8n's condition operator list), checks each lists entries, and closes it.
 * Returns how many were opened.
 */
async function openEveryDropdown(page: Page, nodeName: string): Promise<number> {
	const panel = page.locator('[data-test-id="node-parameters"]');
	let opened = 0;
	const selects = panel.locator('[data-test-id^="parameter-input-"]:has(.el-select), [data-test-id="collection-parameter-add"]');
	const count = await selects.count();
	for (let i = 0; i < count; i++) {
		const select = selects.nth(i);
		if (!(await select.isVisible())) continue;
		const name = (await select.getAttribute('data-test-id')) ?? `#${i}`;
		await select.scrollIntoViewIfNeeded();
		const inputs = panel.locator('[data-test-id^="parameter-input-"]');
		const inputsBefore = await inputs.count();
		await select.click();
		const entries = page.locator('.el-select-dropdown__item:visible, [data-test-id="parameter-input-item"]:visible, [data-test-id="collection-parameter-option"]:visible');
		// n8n adds the only option of an options collection at once instead of listing it
		const addedAtOnce = async () => name === 'collection-parameter-add' && (await inputs.count()) > inputsBefore;
		await expect
			.poll(async () => (await entries.count()) > 0 || (await addedAtOnce()), { message: `${nodeName}: dropdown ${name} lists no entries`, timeout: 10_000 })
			.toBe(true);
		if ((await entries.count()) === 0) {
			opened++;
			continue;
		}
		expect(await page.getByText('No data', { exact: true }).filter({ visible: true }).count(), `${nodeName}: ${name} says "No data"`).toBe(0);
		await closePopups(page);
		await expect.poll(() => entries.count(), { timeout: 30_000 }).toBe(0);
		opened++;
	}
	const operators = panel.locator('[data-test-id="filter-operator-select"]');
	for (let i = 0; i < (await operators.count()); i++) {
		await operators.nth(i).click();
		const types = page.getByRole('menuitem', { name: 'String', exact: true });
		await types.waitFor();
		await types.hover();
		await expect.poll(() => page.getByRole('menuitem', { name: 'is equal to', exact: true }).count(), { timeout: 30_000 }).toBeGreaterThan(0);
		await closePopups(page);
		await types.waitFor({ state: 'hidden' });
		await page.locator('[data-test-id="ndv"]').waitFor();
		opened++;
	}
	return opened;
}
