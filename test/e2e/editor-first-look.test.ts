/**
 * What a marketer meets first in the real n8n editor (Debian chromium, playwright-core): the
 * node picker's entry for Journey Event, Frequency Cap's outputs named for its mode on the
 * canvas, Wait Until Event's optional Event Conditions not flagged, and the Journey Event
 * Trigger's listening panel saying what to send and where, showing a refused test delivery and
 * keeping test deliveries in the test store (checked in Redis). Screenshots go to
 * test-artifacts/screenshots.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { sleep } from '../../scripts/n8n/index.mjs';
import { SIGNING_SECRET, signedDelivery } from '../unit/events/workflows';
import { api, importWorkflow, n8nContext, openEditor, printN8nLogOnFailure, type Workflow } from './helpers';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

printN8nLogOnFailure();

const root = path.resolve(__dirname, '../..');
const screenshots = path.join(root, 'test-artifacts', 'screenshots');
const PKG = 'n8n-nodes-journeys';

interface Credentials {
	signing: { id: string; name: string };
	redis: { id: string; name: string };
}

function firstLookWorkflow(eventsPath: string, credentials: Credentials): Workflow {
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
				parameters: { path: eventsPath, store: 'redis' },
				credentials: { journeyEventSigningApi: credentials.signing, journeyStoreRedisApi: credentials.redis },
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
	const tag = randomUUID().slice(0, 8);
	const namespace = `e2e-look-${tag}`;
	const eventsPath = `e2e-first-look-${tag}`;
	const redis = new Redis(REDIS_URL, { lazyConnect: true });
	let browser: Browser | undefined;
	let page: Page;
	let workflowId: string;

	beforeAll(async () => {
		mkdirSync(screenshots, { recursive: true });
		const signing = await api().createCredential({ name: `First look signing ${tag}`, type: 'journeyEventSigningApi', data: { secret: SIGNING_SECRET, previousSecret: '' } });
		const redisCredential = await api().ensureRedisCredential({ redisUrl: REDIS_URL, name: `First look store ${tag}`, namespace, hashSecret: `first-look-secret-${tag}-0123456789`, extra: { commandTimeoutMs: 5000 } });
		if (!redisCredential) throw new Error('n8n does not know the journeyStoreRedisApi credential type');
		const credentials = { signing: { id: signing.id, name: signing.name }, redis: redisCredential };
		workflowId = (await importWorkflow(firstLookWorkflow(eventsPath, credentials), { activate: false })).id;
		({ browser, page } = await openEditor());
		await page.goto(`${ctx.url}/workflow/${workflowId}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
	});

	afterAll(async () => {
		await browser?.close();
		await redis.quit();
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

	/** POSTs a delivery to the trigger's test URL, retrying the moment before n8n registered it. */
	async function postTest(delivery: ReturnType<typeof signedDelivery>): Promise<{ status: number; text: string }> {
		for (let attempt = 0; ; attempt++) {
			const res = await fetch(`${ctx.url}/webhook-test/${eventsPath}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
			const text = await res.text();
			if (res.status === 404 && attempt < 40) {
				await sleep(250);
				continue;
			}
			return { status: res.status, text };
		}
	}

	const keysUnder = async (prefix: string) => (await redis.keys(`${prefix}:*`)).length;

	it('the Journey Event Trigger says what to send and where, shows a refused test delivery, and keeps test deliveries out of the real store', async () => {
		await canvasNode('journeyEventTrigger').dblclick();
		const ndv = page.locator('[data-test-id="ndv"]');
		await ndv.waitFor();
		// before listening: the panel's header says what to send and where; the parameters say how
		await expect.poll(() => ndv.locator('[data-test-id="trigger-header"]').innerText()).toMatch(/Send a signed test event to the Test URL above/);
		await expect.poll(() => ndv.innerText()).toMatch(/Senders POST to the Test URL while you test here/);
		await page.screenshot({ path: path.join(screenshots, 'first-look-trigger.png') });
		await ndv.locator('[data-test-id="trigger-execute-button"]').first().click();
		await ndv.locator('[data-test-id="trigger-listening"]').waitFor();
		await page.screenshot({ path: path.join(screenshots, 'first-look-trigger-listening.png') });

		// signed with another secret: the sender gets 401, the editor shows why
		const c = `look-${tag}`;
		const refused = await postTest(signedDelivery({ contactId: c, name: 'purchase' }, { secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') }));
		expect(refused.status, refused.text).toBe(401);
		await expect.poll(() => ndv.innerText(), { timeout: 60_000 }).toMatch(/no_matching_signature/);
		await page.screenshot({ path: path.join(screenshots, 'first-look-trigger-refused.png') });

		// a good test delivery is recorded, in the test store only
		await ndv.locator('[data-test-id="trigger-execute-button"]').first().click();
		await ndv.locator('[data-test-id="trigger-listening"]').waitFor();
		const accepted = await postTest(signedDelivery({ contactId: c, name: 'purchase' }));
		expect(accepted.status, accepted.text).toBe(200);
		expect(JSON.parse(accepted.text)).toMatchObject({ accepted: 1, recorded: 1 });
		await redis.connect().catch(() => undefined);
		expect(await keysUnder(`${namespace}.test-runs`)).toBeGreaterThan(0);
		expect(await keysUnder(namespace)).toBe(0);
		await closeNdv();
	});

	it('the node picker shows Journey Event with a description of what Journey Event does', async () => {
		if (await page.locator('[data-test-id="ndv"]').isVisible()) await closeNdv();
		await page.locator('[data-test-id="node-creator-plus-button"]').click();
		const search = page.locator('[data-test-id="node-creator-search-bar"]');
		await search.waitFor();
		await search.fill('Journey Event');
		// n8n lists Journey Event once, merged with its trigger, under the Journey Event title
		const description = page.getByText(/^Record contact events, consent, unsubscribes and erasure/).first();
		await description.waitFor();
		await page.screenshot({ path: path.join(screenshots, 'first-look-node-picker.png') });
		const entry = (await description.locator('xpath=..').innerText()).trim();
		expect(entry).toMatch(/^Journey Event\s*\n/);
		expect(entry).toMatch(/receive signed events from other systems \(trigger\)/);
		await page.keyboard.press('Escape');
	});
});
