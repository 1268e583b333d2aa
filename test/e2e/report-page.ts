/**
 * The Journey Report (Output, run by a webhook at `report-output-<tag>`) and the Journey Report
 * Page (`report-page-<tag>`, Basic auth) on a Redis store over the last 2 days, and checking the
 * page in Chromium against the Output rows and saving its screenshot: shared by test/e2e/journey-report.test.ts and cart-experiment.test.ts.
 * Not a test file itself.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { noOpNode, PKG, webhookNode, workflow, type CredentialRef, type Json } from '../unit/events/workflows';
import { launchBrowser } from './helpers';

const root = path.resolve(__dirname, '../..');

/**
 * Opens the report page (a URL behind the node's Basic Auth) in Chromium and runs `check` on it:
 * without the login n8n answers 401 asking for Basic auth; with it 200, and the page loads
 * nothing from anywhere else.
 */
export async function withReportPage(pageUrl: string, login: { username: string; password: string }, check: (page: Page) => Promise<void>): Promise<void> {
	const refused = await fetch(pageUrl);
	expect(refused.status).toBe(401);
	expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
	const browser = await launchBrowser();
	try {
		const context = await browser.newContext({ httpCredentials: login, viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
		const page = await context.newPage();
		const requested: string[] = [];
		page.on('request', (r) => requested.push(r.url()));
		const answer = await page.goto(pageUrl);
		expect(answer?.status()).toBe(200);
		expect(requested.filter((u) => !u.startsWith(pageUrl.split('?')[0]))).toEqual([]);
		await check(page);
	} finally {
		await browser.close();
	}
}

/** Every figure of the journey's experiment table and steps table equals the Output rows' (their `data-value`s). */
export async function expectPageShows(page: Page, journey: string, rows: Array<Record<string, any>>): Promise<void> {
	const section = `section[data-journey="${journey}"]`;
	await expect(page.locator(section).count()).resolves.toBe(1);
	for (const r of rows.filter((x) => x.step === '' && x.variant !== '')) {
		const c = r.conversion;
		const tr = page.locator(`${section} table.experiment tr[data-variant="${r.variant}"]`);
		const value = async (field: string) => await tr.locator(`td[data-field="${field}"]`).getAttribute('data-value');
		const shown = {
			entries: await value('entries'),
			conversions: await value('conversions'),
			rate: await value('rate'),
			low: await tr.locator('td[data-field="interval"]').getAttribute('data-low'),
			high: await tr.locator('td[data-field="interval"]').getAttribute('data-high'),
			uplift: await value('uplift'),
			probabilityBeatsControl: await value('probabilityBeatsControl'),
		};
		const text = (v: unknown) => (v === null ? '' : String(v));
		expect(shown, `variant ${r.variant}`).toEqual({
			entries: text(c.entries),
			conversions: text(c.conversions),
			rate: text(c.rate),
			low: text(c.low),
			high: text(c.high),
			uplift: text(c.uplift),
			probabilityBeatsControl: text(c.probabilityBeatsControl),
		});
	}
	for (const r of rows.filter((x) => x.step !== '')) {
		for (const [outcome, n] of Object.entries(r.counts as Record<string, number>)) {
			const span = page.locator(`${section} table.steps tr[data-step="${r.step}"][data-variant="${r.variant}"] span[data-outcome="${outcome}"]`);
			expect(await span.getAttribute('data-value'), `${r.step} ${r.variant} ${outcome}`).toBe(String(n));
		}
	}
	await expect(page.locator('#method').textContent()).resolves.toContain('Beta-Binomial');
}

/**
 * A full-page screenshot in test-artifacts/screenshots/<name>, copied to docs/<name> (the
 * README's) when that is missing or with UPDATE_README_SCREENSHOT=1.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
	const screenshots = path.join(root, 'test-artifacts', 'screenshots');
	mkdirSync(screenshots, { recursive: true });
	const shot = path.join(screenshots, name);
	await page.screenshot({ path: shot, fullPage: true });
	const docs = path.join(root, 'docs', name);
	if (process.env.UPDATE_README_SCREENSHOT === '1' || !existsSync(docs)) copyFileSync(shot, docs);
}

/** Webhook → Journey Report (Output) for one journey. */
export function reportOutputWorkflow(tag: string, journey: string, store: CredentialRef): Json {
	return workflow(
		`e2e report output ${tag}`,
		[
			webhookNode('Run Report', `report-output-${tag}`),
			{
				id: randomUUID(),
				name: 'Journey Report',
				type: `${PKG}.journeyReport`,
				typeVersion: 1,
				position: [220, 0],
				parameters: { journeys: journey, range: 'lastDays', lastDays: 2, store: 'redis' },
				credentials: { journeyStoreRedisApi: { id: store.id, name: store.name } },
			},
		],
		[['Run Report', 0, 'Journey Report']],
	);
}

/** The Journey Report Page behind Basic auth (`login`: a journeyReportBasicAuthApi credential), every journey unless the URL names one. */
export function reportPageWorkflow(tag: string, store: CredentialRef, login: CredentialRef): Json {
	return workflow(
		`e2e report page ${tag}`,
		[
			{
				id: randomUUID(),
				name: 'Journey Report Page',
				type: `${PKG}.journeyReportPage`,
				typeVersion: 1,
				position: [0, 0],
				webhookId: randomUUID(),
				parameters: { path: `report-page-${tag}`, authentication: 'basicAuth', journeys: '', range: 'lastDays', lastDays: 2, store: 'redis' },
				credentials: { journeyStoreRedisApi: { id: store.id, name: store.name }, journeyReportBasicAuthApi: { id: login.id, name: login.name } },
			},
			noOpNode('Unused'),
		],
		[['Journey Report Page', 0, 'Unused']],
	);
}
