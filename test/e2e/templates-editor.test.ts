/**
 * The journey templates as a person sees and edits them in n8n's editor (Debian chromium driven
 * by playwright-core):
 * - each template of workflows-templates/, imported unchanged, shown whole with its sticky notes
 *   readable, saved to test-artifacts/screenshots/templates/<name>.png (with
 *   UPDATE_README_SCREENSHOT=1 also docs/templates/<name>.png, which the README shows);
 * - the cart journey edited as a marketer would, through the editor's own fields, saved and
 *   published: the next run uses the new values.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Execution } from '../../scripts/n8n/index.mjs';
import { postDelivery, signedDelivery } from '../unit/events/workflows';
import { api, importWorkflow, isolated, launchBrowser, n8nContext, onlyWebhookPath, outputItems, printN8nLogOnFailure, signIn, type Workflow } from './helpers';

printN8nLogOnFailure();

const root = path.resolve(__dirname, '../..');
const templatesDir = path.join(root, 'workflows-templates');
const screenshots = path.join(root, 'test-artifacts', 'screenshots', 'templates');
const templateNames = readdirSync(templatesDir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
const readTemplate = (name: string): Workflow => JSON.parse(readFileSync(path.join(templatesDir, `${name}.json`), 'utf8'));

/** Smallest sticky-note text, in pixels of the picture, that still reads when it is opened. */
const READABLE_PX = 10;
/** The pictures are taken at 1.5 pixels per CSS pixel. */
const PICTURE_SCALE = 1.5;

let browser: Browser | undefined;

async function signedInPage(width: number, height: number, scale = 1): Promise<Page> {
	browser ??= await launchBrowser();
	const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: scale });
	page.setDefaultTimeout(90_000);
	await signIn(page);
	return page;
}

afterEach(async (context) => {
	for (const [i, page] of (browser?.contexts().flatMap((c) => c.pages()) ?? []).entries()) {
		if (context.task.result?.state === 'fail') {
			await page.screenshot({ path: path.join(screenshots, `failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}-${i}.png`) }).catch(() => undefined);
		}
		await page.close();
	}
});

afterAll(async () => {
	await browser?.close();
});

/** The canvas's zoom factor (vue-flow's transformation pane). */
async function canvasZoom(page: Page): Promise<number> {
	const transform = await page.locator('.vue-flow__transformationpane').evaluate((el) => (el as unknown as { style: { transform: string } }).style.transform);
	const scale = /scale\(([\d.]+)\)/.exec(transform) ?? /matrix\(([\d.]+)/.exec(transform);
	if (!scale) throw new Error(`cannot read the canvas zoom from "${transform}"`);
	return Number(scale[1]);
}

describe('the templates in the editor', () => {
	it.each(templateNames)('%s: the whole journey shows with readable sticky notes', async (name) => {
		const template = readTemplate(name);
		const [imported] = await api().importWorkflows([template], { activate: false });
		// 4:3, like the journeys: "zoom to fit" keeps the notes' text legible
		const page = await signedInPage(1920, 1440, PICTURE_SCALE);
		await page.goto(`${n8nContext().url}/workflow/${imported.id}`);
		await page.locator('[data-test-id="canvas-node"]').first().waitFor();
		const stickies = page.locator('[data-test-id="sticky"]');
		const expectedStickies = template.nodes.filter((n: any) => n.type === 'n8n-nodes-base.stickyNote').length;
		await expect.poll(() => stickies.count(), { timeout: 30_000 }).toBe(expectedStickies);
		expect(await page.locator('[data-test-id="node-not-installed"]').count()).toBe(0);
		await page.locator('[data-test-id="zoom-to-fit"]').click();
		await page.waitForTimeout(1000); // the zoom animation
		await page.mouse.move(2, 1430); // no hover toolbar in the picture

		// the picture first: when a note is cut off, it shows which
		mkdirSync(screenshots, { recursive: true });
		const file = path.join(screenshots, `${name}.png`);
		await page.screenshot({ path: file });
		if (process.env.UPDATE_README_SCREENSHOT === '1') {
			mkdirSync(path.join(root, 'docs', 'templates'), { recursive: true });
			copyFileSync(file, path.join(root, 'docs', 'templates', `${name}.png`));
		}

		const zoom = await canvasZoom(page);
		const viewport = page.viewportSize()!;
		for (let i = 0; i < expectedStickies; i++) {
			const sticky = stickies.nth(i);
			const box = (await sticky.boundingBox())!;
			const where = `${name}: sticky note "${(await sticky.innerText()).trim().split('\n')[0]}"`;
			// whole on screen, its text not cut off, and big enough to read
			expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, `${where} on screen`).toBe(true);
			const text = await sticky.evaluate((el) => {
				// no DOM lib in tsconfig: the few DOM members used here
				type El = { scrollHeight: number; clientHeight: number; querySelector(s: string): El | null; querySelectorAll(s: string): El[] };
				const root = el as unknown as El;
				const style = (e: El) => (globalThis as any).getComputedStyle(e) as { fontSize: string; overflowY: string };
				const paragraph = root.querySelector('p, li');
				// a box that hides or scrolls its overflow and has more text than room cuts the note off
				const missing = [root, ...root.querySelectorAll('*')]
					.filter((e) => ['hidden', 'auto', 'scroll', 'clip'].includes(style(e).overflowY))
					.map((e) => e.scrollHeight - e.clientHeight);
				return { fontSize: paragraph ? Number.parseFloat(style(paragraph).fontSize) : 0, missing: Math.max(0, ...missing) };
			});
			expect(text.fontSize * zoom * PICTURE_SCALE, `${where}: text size in the picture (font ${text.fontSize}px × zoom ${zoom.toFixed(2)} × ${PICTURE_SCALE})`).toBeGreaterThanOrEqual(READABLE_PX);
			// layout pixels are canvas units: how much taller the note must be
			expect(text.missing, `${where}: its text fits the note (it lacks ${text.missing} px of height)`).toBeLessThanOrEqual(2);
		}
		await api().request('POST', `/workflows/${imported.id}/archive`, undefined, { allow: [404] });
	});

	it('a marketer shortens the first delay and adds a cart-value condition in the editor; the next run uses them', async () => {
		const { journey, secret } = await liveCartJourney();
		const published = (await api().getWorkflow(journey.id)).versionId;
		const page = await signedInPage(1600, 1000);
		await page.goto(`${n8nContext().url}/workflow/${journey.id}`);
		const canvasNode = (name: string) => page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
		const ndv = page.locator('[data-test-id="ndv"]');

		// Journey settings: the first delay becomes 5 seconds (two of its named values, typed)
		await canvasNode('Journey settings').dblclick();
		await ndv.locator('[data-test-id="assignment"]').first().waitFor();
		await typeAssignment(ndv, 'firstDelay', '5');
		await typeAssignment(ndv, 'firstDelayUnit', 'seconds');
		await closePanel(page);

		// Only abandoned carts: a new condition, cart total ≥ 50, its operator chosen from n8n's list
		await canvasNode('Only abandoned carts').dblclick();
		await ndv.locator('[data-test-id="filter-condition"]').first().waitFor();
		await ndv.locator('[data-test-id="filter-add-condition"]').click();
		await expect.poll(() => ndv.locator('[data-test-id="filter-condition"]').count()).toBe(2);
		// the left value is an expression: switch the field to Expression, as a person does
		const condition = ndv.locator('[data-test-id="filter-condition"]').nth(1);
		const left = ndv.locator('[data-test-id="filter-condition-left"]').nth(1);
		await left.hover();
		await condition.getByText('Expression', { exact: true }).first().click();
		await left.locator('[contenteditable="true"]').first().click();
		await page.keyboard.type('{{'); // the editor closes the braces itself
		await page.keyboard.type('$json.properties.total');
		await ndv.locator('[data-test-id="filter-operator-select"]').nth(1).click();
		await page.getByRole('menuitem', { name: 'Number', exact: true }).hover();
		await page.getByRole('menuitem', { name: 'is greater than or equal to', exact: true }).click();
		const right = ndv.locator('[data-test-id="filter-condition-right"]').nth(1).locator('input, [contenteditable="true"]').first();
		await right.click();
		await page.keyboard.type('50');
		await page.keyboard.press('Tab');
		await page.waitForTimeout(1500); // the condition builder saves after a short debounce
		await closePanel(page);

		// save, then publish: the active journey runs the new version
		await page.keyboard.press('ControlOrMeta+s');
		await expect.poll(async () => (await api().getWorkflow(journey.id)).versionId, { timeout: 30_000 }).not.toBe(published);
		await page.locator('[data-test-id="workflow-open-publish-modal-button"]').click();
		const confirm = page.locator('[data-test-id="workflow-publish-button"]');
		await confirm.waitFor();
		await confirm.click();
		await expect
			.poll(async () => {
				const saved = await api().getWorkflow(journey.id);
				const { firstDelay, firstDelayUnit } = settingsOf(saved);
				return { published: saved.activeVersionId === saved.versionId, firstDelay, firstDelayUnit };
			}, { timeout: 60_000 })
			.toEqual({ published: true, firstDelay: 5, firstDelayUnit: 'seconds' });
		const saved = await api().getWorkflow(journey.id);
		const conditions = saved.nodes.find((n: any) => n.name === 'Only abandoned carts').parameters.conditions.conditions;
		expect(conditions[1]).toMatchObject({ leftValue: expect.stringMatching(/^=\{\{\s*\$json\.properties\.total\s*\}\}$/), rightValue: 50, operator: { type: 'number', operation: 'gte' } });
		await page.screenshot({ path: path.join(screenshots, 'cart-abandonment-edited.png') });

		// the next carts: one below the new threshold, one above
		const cart = (cartId: string, total: number) => ({ id: `evt_${randomUUID()}`, contactId: `edited-${randomUUID()}`, name: 'cart_abandoned',
			occurredAt: new Date().toISOString(), properties: { cartId, total, phone: '010-1234-5678', timezone: 'UTC' } });
		for (const event of [cart('small', 30), cart('big', 80)]) {
			const res = await postDelivery(n8nContext().url, onlyWebhookPath(journey), signedDelivery(event, { secret }));
			expect(res.status, res.text).toBe(200);
		}
		const executions = await api().waitForExecutions({ workflowId: journey.id, count: 2, includeData: true, timeoutMs: 60_000 });
		const byCart = Object.fromEntries(executions.map((e: Execution) => [outputItems(e, 'Journey settings')[0][0].properties.cartId, e]));
		// the small cart stops at the new condition; the big one waits the new 5 seconds, not an hour
		expect(outputItems(byCart.small, 'Only abandoned carts')[0]).toEqual([]);
		expect(byCart.small.data!.resultData.runData['Journey Entry']).toBeUndefined();
		expect(outputItems(byCart.big, 'Journey settings')[0][0]).toMatchObject({ firstDelay: 5, firstDelayUnit: 'seconds' });
		expect(byCart.big.status).toBe('waiting');
		const waits = Date.parse(byCart.big.waitTill!) - Date.parse(byCart.big.startedAt);
		expect(waits).toBeGreaterThan(0);
		expect(waits).toBeLessThan(60_000);
	});
});

/**
 * The cart template as a client runs it: imported unchanged on a webhook path of its own, with
 * the credentials its nodes ask for, and active. Resolves to the workflow and the signing secret.
 */
async function liveCartJourney(): Promise<{ journey: Awaited<ReturnType<typeof importWorkflow>>; secret: string }> {
	const suffix = randomUUID().slice(0, 8);
	const secret = 'whsec_' + Buffer.from(`templates-editor-secret-${suffix}-0123456789`).toString('base64');
	const made: Record<string, { id: string; name: string }> = {};
	const create = async (type: string, data: Record<string, unknown>) => {
		const c = await api().createCredential({ name: `Edited cart ${type} ${suffix}`, type, data });
		made[type] = { id: c.id, name: c.name };
	};
	await create('journeyEventSigningApi', { secret, previousSecret: '' });
	// channels this test never reaches (the journey waits before any send)
	await create('channelSendFcmApi', { serviceAccount: '{"project_id":"unused","client_email":"unused@example.com","private_key":"unused"}', baseUrl: 'http://127.0.0.1:9', grantUrl: 'http://127.0.0.1:9/token' });
	await create('channelSendSolapiApi', { apiKey: 'unused', apiSecret: 'unused', from: '02-1234-5678', baseUrl: 'http://127.0.0.1:9' });
	await create('channelSendSmtpApi', { host: '127.0.0.1', port: 9, security: 'none', user: '', password: '', from: 'Unused <unused@example.com>', allowSelfSigned: false });
	const workflow = isolated(readTemplate('cart-abandonment'), suffix);
	for (const node of workflow.nodes) {
		for (const type of Object.keys(node.credentials ?? {})) if (made[type]) node.credentials[type] = made[type];
	}
	return { journey: await importWorkflow(workflow), secret };
}

/** The named values of the Journey settings node of a stored workflow. */
function settingsOf(workflow: Workflow): Record<string, unknown> {
	const node = workflow.nodes.find((n: any) => n.name === 'Journey settings');
	return Object.fromEntries(node.parameters.assignments.assignments.map((a: any) => [a.name, a.value]));
}

/** Types a new value into the Edit Fields row whose name is `name`. */
async function typeAssignment(ndv: Locator, name: string, value: string): Promise<void> {
	const rows = ndv.locator('[data-test-id="assignment"]');
	const count = await rows.count();
	for (let i = 0; i < count; i++) {
		const row = rows.nth(i);
		if ((await row.locator('[data-test-id="assignment-name"] input').first().inputValue()) !== name) continue;
		const input = row.locator('[data-test-id="assignment-value"]').locator('input, textarea, [contenteditable="true"]').first();
		await input.scrollIntoViewIfNeeded();
		await input.click();
		// the whole word at once: on a loaded machine the field re-renders between keystrokes
		await input.fill(value);
		await input.press('Tab');
		await expect.poll(() => input.inputValue(), { timeout: 30_000 }).toBe(value);
		return;
	}
	throw new Error(`Journey settings has no value named ${name}`);
}

/** Back to the canvas, as a person does with the panel's close button. */
async function closePanel(page: Page): Promise<void> {
	await page.locator('[data-test-id="ndv"] [data-test-id="ndv-close-button"]').click();
	await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
}
