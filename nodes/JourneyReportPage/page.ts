import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import {
	checkReportAuth,
	journeyList,
	readJourneyReport,
	REPORT_AUTH_CREDENTIALS,
	reportDays,
	ReportRangeError,
	reportRows,
	renderReportPage,
	resolveStore,
	type ReportAuthKind,
	type ReportRangeInput,
} from '../../lib';

/**
 * GET of the report page: checks the authentication, reads the days (query ?from=&to= or the
 * node's Date Range) and journeys (?journey= or the node's Journeys), reads the counters in
 * one store call and answers the self-contained page. A live request starts no execution; a
 * request to the Test URL also shows the report's rows as items in the editor.
 */
export async function servePage(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const kind = ctx.getNodeParameter('authentication', 'basicAuth') as ReportAuthKind;
	let credential: Record<string, unknown> | undefined;
	if (kind !== 'none') {
		try {
			credential = (await ctx.getCredentials(REPORT_AUTH_CREDENTIALS[kind])) as Record<string, unknown>;
		} catch (error) {
			ctx.logger.error(`Journey Report Page has no ${kind} credential: ${(error as Error).message}`, { node: ctx.getNode().name });
			return answer(ctx, 500, 'Not set up', 'The report page has no credential for its authentication. Select one on the Journey Report Page node.');
		}
	}
	const auth = checkReportAuth(kind, credential, ctx.getHeaderData() as Record<string, string | string[] | undefined>);
	if (!auth.ok) {
		ctx.logger.warn(`Journey Report Page refused a request (HTTP ${auth.status} ${auth.reason})`, { node: ctx.getNode().name });
		return answer(ctx, auth.status, auth.status === 401 ? 'Sign in' : 'Forbidden', auth.status === 401 ? 'This report needs a user name and password.' : 'The authentication did not match.', auth.headers);
	}

	const query = (ctx.getQueryData() ?? {}) as IDataObject;
	const q = (name: string) => {
		const v = query[name];
		return (Array.isArray(v) ? v[0] : v) as string | undefined;
	};
	const input: ReportRangeInput =
		q('from') || q('to')
			? { range: 'between', from: q('from') ?? q('to'), to: q('to') ?? new Date().toISOString().slice(0, 10) }
			: {
					range: ctx.getNodeParameter('range', 'lastDays') as string,
					lastDays: ctx.getNodeParameter('lastDays', 30),
					from: ctx.getNodeParameter('from', ''),
					to: ctx.getNodeParameter('to', ''),
				};
	let days;
	try {
		days = reportDays(input, Date.now());
	} catch (error) {
		if (!(error instanceof ReportRangeError)) throw new NodeOperationError(ctx.getNode(), error as Error);
		return answer(ctx, 400, 'Bad date range', `${error.message}. ${error.fix}`);
	}
	const journeys = journeyList(q('journey')) ?? journeyList(ctx.getNodeParameter('journeys', ''));
	let report;
	try {
		report = await readJourneyReport(await resolveStore(ctx, 0), journeys, days);
	} catch (error) {
		ctx.logger.error(`Journey Report Page could not read the counters: ${(error as Error).message}`, { node: ctx.getNode().name });
		return answer(ctx, 503, 'Try again', 'The journey store did not answer. Try again in a moment.');
	}
	const res = ctx.getResponseObject();
	res.status(200);
	headers(res);
	res.end(renderReportPage(report, { action: '', generatedAt: new Date().toISOString() }));
	if (ctx.getMode?.() !== 'manual') return { noWebhookResponse: true };
	return { noWebhookResponse: true, workflowData: [reportRows(report).map((row) => ({ json: { ...row } }))] };
}

function headers(res: ReturnType<IWebhookFunctions['getResponseObject']>): void {
	res.setHeader('Content-Type', 'text/html; charset=utf-8');
	res.setHeader('Cache-Control', 'no-store');
	res.setHeader('Referrer-Policy', 'no-referrer');
	// the page loads nothing: no scripts, no fonts, no images, only its own inline styles
	res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
}

function answer(ctx: IWebhookFunctions, status: number, title: string, message: string, extra: Record<string, string> = {}): IWebhookResponseData {
	const res = ctx.getResponseObject();
	res.status(status);
	headers(res);
	for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
	const esc = (t: string) => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
	res.end(
		`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head><body><h1>${esc(title)}</h1><p>${esc(message)}</p></body></html>`,
	);
	return { noWebhookResponse: true };
}
