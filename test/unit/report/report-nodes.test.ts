import { randomUUID } from 'node:crypto';
import type { IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { buildReport, getMemoryStore, percent, reportRows, signedPercent } from '../../../lib';
import { JourneyReport } from '../../../nodes/JourneyReport/JourneyReport.node';
import { JourneyReportPage } from '../../../nodes/JourneyReportPage/JourneyReportPage.node';
import { executeContext } from '../helpers/executeContext';
import { cartCounts } from './fixtures';

const FROM = '2026-11-01';
const TO = '2026-11-02';

async function seeded(): Promise<string> {
	const journey = `cart-${randomUUID().slice(0, 8)}`;
	await getMemoryStore().kpis.add(cartCounts(journey));
	return journey;
}

const runReport = (parameters: Record<string, unknown>) =>
	new JourneyReport().execute.call(executeContext({ items: [{}], parameters: { range: 'between', from: FROM, to: TO, lastDays: 30, store: 'memory', ...parameters } }));

describe('Journey Report node (Output)', () => {
	it('outputs one item per journey, step and variant: the rows computed by hand in stats.test.ts', async () => {
		const journey = await seeded();
		const [items] = await runReport({ journeys: journey });
		expect(items.map((i) => i.json)).toEqual(reportRows(buildReport(cartCounts(journey), FROM, TO)));
		expect(items.every((i) => (i.pairedItem as { item: number }).item === 0)).toBe(true);
		const a = items.find((i) => i.json.step === '' && i.json.variant === 'A')!.json;
		expect(a).toMatchObject({ journey, from: FROM, to: TO, counts: { assigned: 450, converted: 54 }, total: 450 });
		expect((a.conversion as { rate: number; uplift: number }).rate).toBeCloseTo(0.12, 12);
		expect((a.conversion as { rate: number; uplift: number }).uplift).toBeCloseTo(0.5, 12);
	});

	it('reads only the journeys named and the days asked for', async () => {
		const journey = await seeded();
		const [items] = await runReport({ journeys: `${journey}, nobody`, from: '2026-11-02', to: '2026-11-02' });
		expect(items.find((i) => i.json.step === '' && i.json.variant === '')!.json.counts).toEqual({ entered: 400, converted: 134 });
		expect(new Set(items.map((i) => i.json.journey))).toEqual(new Set([journey]));
	});

	it('names a bad date range parameter and the fix', async () => {
		const error = await runReport({ from: '2026-11-31' }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('Parameter "From": From "2026-11-31" is not a date');
		expect((error as NodeOperationError).description).toMatch(/YYYY-MM-DD/);
		const reversed = await runReport({ from: TO, to: FROM }).catch((e: unknown) => e);
		expect((reversed as Error).message).toBe(`Parameter "From": From (${TO}) is after To (${FROM})`);
	});
});

interface Served {
	status: number;
	headers: Record<string, string>;
	body: string;
	result: Awaited<ReturnType<JourneyReportPage['webhook']>>;
}

async function openPage(options: { parameters?: Record<string, unknown>; headers?: Record<string, string>; query?: Record<string, string>; credentials?: Record<string, Record<string, unknown>>; mode?: string }): Promise<Served> {
	const parameters: Record<string, unknown> = { path: 'journey-report', authentication: 'basicAuth', journeys: '', range: 'lastDays', lastDays: 30, from: '', to: '', store: 'memory', ...options.parameters };
	const served = { status: 0, headers: {} as Record<string, string>, body: '' };
	const res = {
		status(code: number) {
			served.status = code;
			return res;
		},
		setHeader(name: string, value: string) {
			served.headers[name.toLowerCase()] = value;
		},
		end(body: string) {
			served.body = body;
		},
	};
	const ctx = {
		getNodeParameter: (name: string, fallback?: unknown) => (name in parameters ? parameters[name] : fallback),
		getCredentials: async (type: string) => {
			const data = options.credentials?.[type];
			if (!data) throw new Error(`no credential of type ${type}`);
			return data;
		},
		getHeaderData: () => Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
		getQueryData: () => options.query ?? {},
		getResponseObject: () => res,
		getMode: () => options.mode ?? 'webhook',
		getNode: () => ({ name: 'Journey Report Page', credentials: {} }),
		logger: { debug() {}, info() {}, warn() {}, error() {} },
	} as unknown as IWebhookFunctions;
	const result = await new JourneyReportPage().webhook.call(ctx);
	return { ...served, result };
}

const basic = { journeyReportBasicAuthApi: { user: 'marketing', password: 'correct horse battery' } };
const authorization = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('Journey Report Page node', () => {
	it('asks for Basic authentication (401 with a challenge), refuses a wrong password (403), and starts no execution', async () => {
		const none = await openPage({ credentials: basic });
		expect(none.status).toBe(401);
		expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/);
		expect(none.body).not.toContain('Conversion');
		const wrong = await openPage({ credentials: basic, headers: authorization('marketing', 'wrong') });
		expect(wrong.status).toBe(403);
		expect(wrong.result).toEqual({ noWebhookResponse: true });
	});

	it('serves the page with the Output mode\'s numbers for the query\'s days and journey', async () => {
		const journey = await seeded();
		const page = await openPage({ credentials: basic, headers: authorization('marketing', 'correct horse battery'), query: { from: FROM, to: TO, journey } });
		expect(page.status).toBe(200);
		expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
		expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
		expect(page.result).toEqual({ noWebhookResponse: true });
		const [items] = await runReport({ journeys: journey });
		for (const item of items.filter((i) => i.json.step === '' && i.json.variant !== '')) {
			const c = item.json.conversion as { entries: number; rate: number; low: number; high: number; uplift: number | null };
			const tr = new RegExp(`<tr data-variant="${String(item.json.variant)}"[^>]*>(.*?)</tr>`).exec(page.body)![1];
			expect(tr).toContain(`data-field="entries" data-value="${c.entries}"`);
			expect(tr).toContain(`>${percent(c.rate)}<`);
			expect(tr).toContain(`${percent(c.low)} – ${percent(c.high)}`);
			if (c.uplift !== null) expect(tr).toContain(signedPercent(c.uplift));
		}
		expect(page.body).toContain(`data-journey="${journey}"`);
	});

	it('checks Header authentication and shows the rows as items on a test call', async () => {
		const journey = await seeded();
		const credentials = { journeyReportHeaderAuthApi: { name: 'X-Report-Key', secret: 'a-long-report-secret-value' } };
		const parameters = { authentication: 'headerAuth', range: 'between', from: FROM, to: TO, journeys: journey, testRunStore: 'production' };
		expect((await openPage({ parameters, credentials })).status).toBe(403);
		expect((await openPage({ parameters, credentials, headers: { 'X-Report-Key': 'nope' } })).status).toBe(403);
		const ok = await openPage({ parameters, credentials, headers: { 'X-Report-Key': 'a-long-report-secret-value' }, mode: 'manual' });
		expect(ok.status).toBe(200);
		expect(ok.result.workflowData![0].map((i) => i.json)).toEqual(reportRows(buildReport(cartCounts(journey), FROM, TO)));
	});

	it('answers 400 naming a bad date in the query', async () => {
		const page = await openPage({ parameters: { authentication: 'none' }, query: { from: 'yesterday' } });
		expect(page.status).toBe(400);
		expect(page.body).toContain('From &quot;yesterday&quot; is not a date');
	});
});

describe('report page credentials', () => {
	const test = async (data: Record<string, unknown>) => await new JourneyReportPage().methods.credentialTest.journeyReportAuthTest.call({} as never, { id: '1', name: 'x', type: 't', data } as never);

	it('accepts a user with a long password and a header with a long value, naming what is wrong otherwise', async () => {
		expect(await test({ user: 'marketing', password: 'correct horse battery' })).toMatchObject({ status: 'OK' });
		expect(await test({ user: 'marketing', password: 'short' })).toEqual({ status: 'Error', message: 'Password must have at least 12 characters' });
		expect(await test({ user: 'a:b', password: 'correct horse battery' })).toMatchObject({ status: 'Error', message: expect.stringContaining('must not contain ":"') });
		expect(await test({ user: '', password: 'correct horse battery' })).toEqual({ status: 'Error', message: 'User is empty' });
		expect(await test({ name: 'X-Report-Key', secret: 'a-long-report-secret-value' })).toMatchObject({ status: 'OK' });
		expect(await test({ name: 'X Report', secret: 'a-long-report-secret-value' })).toMatchObject({ status: 'Error', message: expect.stringContaining('Header Name') });
		expect(await test({ name: 'X-Report-Key', secret: 'short' })).toMatchObject({ status: 'Error', message: expect.stringContaining('16 characters') });
	});

	it('answers 500 saying what to set up when the page has no credential', async () => {
		const page = await openPage({ credentials: {} });
		expect(page.status).toBe(500);
		expect(page.body).toContain('Select one on the Journey Report Page node');
	});
});
