/**
 * What a marketer meets first in the real n8n editor (Debian chromium, playwright-core): the
 * node picker's entry for Journey Event, Frequency Cap's outputs named for its mode on the
 * canvas, Wait Until Event's optional Event Conditions not flagged, and the Journey Event
 * Trigger's listening panel saying what to send and where. Screenshots go to
 * test-artifacts/screenshots.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importWorkflow, n8nContext, openEditor, printN8nLogOnFailure, type Workflow } from './helpers';

printN8nLogOnFailure();

const root = path.resolve(__dirname, '../..');
const screenshots = path.join(root, 'test-artifacts', 'screenshots');
const PKG = 'n8n-nodes-journeys';

function firstLookWorkflow(): Workflow {
	return {
		name: 'e2e: a marketer\'s first look',
		nodes: [
			{
				id: 'c0000000-0000-4000-8000-000000000001',
				name: 'Journey Event Trigger',
				type: `${PKG}.journeyEventTrigger`,
				typeVersion: 1,
				position: [0, 0],
				webhookId: 'c0000000-0000-4000-8000-0000000000aa',
				parameters: { path: 'e2e-first-look-events' },
			},
			{
				id: 'c0000000-0000-4000-8000-000000000002',
				name: 'Wait Until Event',
				type: `${PKG}.waitUntilEvent`,
				typeVersion: 1,
				position: [300, 0],
				webhookId: 'c0000000-0000-4000-8000-0000000000bb',
				parameters: { eventNames: 'purchase' },
			},
			{
				id: 'c0000000-0000-4000-8000-000000000003',
				name: 'Count the Send',
				type: `${PKG}.frequencyCap`,
				typeVersion: 1,
				position: [650, 0],
				parameters: { operation: 'record' },
			},
		],
		connections: {
			'Journey Event Trigger': { main: [[{ node: 'Wait Until Event', type: 'main', index: 0 }]] },
			'Wait Until Event': { main: [[], [{ node: 'Count the Send', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	};
}

describe('a marketer\'s first look in the n8n editor', () => {
	const ctx = n8nContext();
	let browser: Browser | undefined;
	let page: Page;
	let workflowId: string;

	beforeAll(async () => {
		mkdirSync(screenshots, { recursive: true });
		workflowId = (await importWorkflow(firstLookWorkflow(), { activate: false })).id;
		({ browser, page } = await openEditor());
		await page.goto(`${ctx.url}/workflow/${workflowId}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
	});

	afterAll(async () => {
		await browser?.close();
	});

	const canvasNode = (type: string) => page.locator(`[data-test-id="canvas-node"][data-node-type="${PKG}.${type}"]`);

	async function closeNdv() {
		await page.keyboard.press('Escape');
		await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
	}

	it('Frequency Cap in Record Send names its outputs Recorded / Not Recorded on the canvas', async () => {
		const labels = await page.locator('[data-test-id="canvas-node-output-handle"]').allInnerTexts();
		expect(labels.map((l) => l.trim())).toEqual(expect.arrayContaining(['Recorded', 'Not Recorded']));
		expect(labels.map((l) => l.trim())).not.toContain('Capped');
		await page.screenshot({ path: path.join(screenshots, 'first-look-canvas.png') });
	});

	it('Wait Until Event shows no issue for its empty, optional Event Conditions', async () => {
		await canvasNode('waitUntilEvent').dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		await ndv.locator('[data-test-id="node-parameters"]').waitFor();
		const conditions = ndv.locator('[data-test-id="parameter-input-conditions"]');
		await conditions.waitFor();
		const field = ndv.locator('[data-test-id="parameter-item"]', { has: conditions });
		expect(await field.locator('[data-test-id="parameter-issues"]').count()).toBe(0);
		expect(await ndv.locator('[data-test-id="parameter-issues"]').count()).toBe(0);
		await page.screenshot({ path: path.join(screenshots, 'first-look-wait-until-event.png') });
		await closeNdv();
	});

	it('the Journey Event Trigger\'s listening panel says what to send and where', async () => {
		await canvasNode('journeyEventTrigger').dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		await ndv.waitFor();
		await expect.poll(() => ndv.innerText()).toMatch(/Send a signed test event to the Test URL above/);
		await page.screenshot({ path: path.join(screenshots, 'first-look-trigger.png') });
		await closeNdv();
	});

	it('the node picker shows Journey Event with a description of what Journey Event does', async () => {
		await page.keyboard.press('Tab');
		const search = page.locator('[data-test-id="node-creator-search-bar"]');
		await search.waitFor();
		await search.fill('Journey Event');
		const item = page.locator('[data-test-id="node-creator-node-item"]', { hasText: /^\s*Journey Event\b(?! Trigger)/ }).first();
		await item.waitFor();
		const text = await item.innerText();
		await page.screenshot({ path: path.join(screenshots, 'first-look-node-picker.png') });
		expect(text).toMatch(/Record contact events, consent, unsubscribes and erasure/);
		await page.keyboard.press('Escape');
	});
});
