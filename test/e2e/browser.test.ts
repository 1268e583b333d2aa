/**
 * The package in n8n's editor (Debian chromium driven by playwright-core): log in, open a
 * workflow that holds every node this package declares (package.json n8n.nodes, so it grows as
 * nodes are added), check each renders with its own icon and nothing shows the "unknown node /
 * install this node" marker, open one node's parameter panel, and save screenshots to
 * test-artifacts/screenshots (with UPDATE_README_SCREENSHOT=1, one also becomes docs/journey.png).
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, nodeTypes, type NodeTypeDescription } from '../../scripts/n8n/index.mjs';
import { api, importWorkflow, n8nContext, openEditor, printN8nLogOnFailure, signIn, type Workflow } from './helpers';

printN8nLogOnFailure();

const root = path.resolve(__dirname, '../..');
const screenshots = path.join(root, 'test-artifacts', 'screenshots');

/** One of this package's nodes: its type, the folder its files live in, and n8n's description. */
interface PackageNode {
	type: string;
	folder: string;
	description: NodeTypeDescription;
}

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
		const version = Array.isArray(node.description.version)
			? Math.max(...node.description.version)
			: node.description.version;
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
		const described = new Map((await nodeTypes(ctx.url, cookie)).map((t) => [t.name, t]));
		nodes = files.map((file, i) => {
			const type = ctx.packageNodeTypes[i];
			const description = described.get(type);
			if (!description) throw new Error(`n8n does not know ${type} (declared by ${file})`);
			return { type, folder: path.dirname(file), description };
		});
		workflowId = (await importWorkflow(workflowWithEveryNode(nodes), { activate: false })).id;
	});

	afterAll(async () => {
		await browser?.close();
	});

	it('logs in, shows every node with its own icon and opens a parameter panel', async () => {
		let page: Page;
		({ browser, page } = await openEditor());

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
	it('renders the form of a Channel Send credential', async () => {
		if (!browser) throw new Error('the browser did not start in the test before');
		const created = await api().createCredential({
			name: `Channel Send SMTP form ${Date.now()}`,
			type: 'channelSendSmtpApi',
			data: { host: 'smtp.example.com', port: 587, security: 'starttls', user: 'mailer', password: 'secret', from: 'Acme <news@acme.example>', allowSelfSigned: false },
		});
		const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
		page.setDefaultTimeout(90_000);
		await signIn(page);
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
