import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { readUnsubscribeToken, resolveStore, unsubscribeChange } from '../../lib';

/** The unsubscribe endpoint lives under the trigger's path: what Channel Send's Unsubscribe Endpoint names. */
export const UNSUBSCRIBE_SUFFIX = '/unsubscribe';

/** How long an unsubscribe is kept after it was made (the Journey Event node's default: 5 years). */
const UNSUBSCRIBE_TTL_SECONDS = 1825 * 86_400;

/**
 * The one-click unsubscribe link of marketing email (RFC 8058). The token in `?token=` is the
 * proof: a mail client has no signing secret, so the Standard Webhooks headers are not asked
 * for. POST (the mail client's one-click, or the button of the page) records the unsubscribe;
 * GET only shows the page with that button, because mail scanners open every link in a mail.
 * A missing, altered or foreign token records nothing. The workflow is not started: the
 * unsubscribe is in the store, where Channel Send and Segment Filter read it; a test call from
 * the editor shows what was done as one item.
 */
export async function handleUnsubscribe(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const method = String(ctx.getRequestObject().method ?? 'POST').toUpperCase();
	const token = tokenOf(ctx.getQueryData());
	if (!token) return answer(ctx, 400, 'missing_token', PAGES.missing);
	const credentials = await ctx.getCredentials('journeyEventSigningApi');
	const secrets = [credentials.secret, credentials.previousSecret].filter((s): s is string => typeof s === 'string' && s.trim() !== '');
	const claim = readUnsubscribeToken(secrets, token);
	if (!claim) return answer(ctx, 404, 'unknown_link', PAGES.unknown);
	if (method !== 'POST') return answer(ctx, 200, 'confirm', PAGES.confirm);

	let at: number;
	try {
		const store = await resolveStore(ctx, 0);
		at = Date.now();
		await store.contacts.update([unsubscribeChange(claim, at)], { ttlSeconds: UNSUBSCRIBE_TTL_SECONDS });
	} catch (error) {
		ctx.logger.error(`Journey Event Trigger could not record an unsubscribe: ${(error as Error).message}`, { node: ctx.getNode().name });
		return answer(ctx, 503, 'store_unavailable', PAGES.failed);
	}
	return answer(ctx, 200, 'unsubscribed', PAGES.done, { contactId: claim.contactId, channel: claim.channel, linkIssuedAt: new Date(claim.issuedAt).toISOString(), unsubscribedAt: new Date(at).toISOString() });
}

function tokenOf(query: unknown): string | undefined {
	const value = (query as IDataObject | undefined)?.token;
	const token = Array.isArray(value) ? value[0] : value;
	return typeof token === 'string' && token.trim() !== '' ? token.trim() : undefined;
}

/**
 * Sends the page itself (n8n adds nothing), and for a test call from the editor returns what
 * happened as an item; a live call never starts the workflow.
 */
function answer(ctx: IWebhookFunctions, status: number, outcome: string, page: Page, done?: IDataObject): IWebhookResponseData {
	if (status >= 400) ctx.logger.warn(`Journey Event Trigger refused an unsubscribe link (HTTP ${status} ${outcome})`, { node: ctx.getNode().name });
	const res = ctx.getResponseObject();
	res.status(status);
	res.setHeader('Content-Type', 'text/html; charset=utf-8');
	// the token is in the URL: keep it out of caches and Referer headers; the page needs nothing from outside
	res.setHeader('Cache-Control', 'no-store');
	res.setHeader('Referrer-Policy', 'no-referrer');
	res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	res.end(renderPage(page));
	if (ctx.getMode?.() !== 'manual') return { noWebhookResponse: true };
	return { noWebhookResponse: true, workflowData: [[{ json: { unsubscribe: { outcome, status, ...done } } }]] };
}

interface Page {
	title: string;
	ko: string;
	en: string;
	/** shows the button that POSTs the one-click unsubscribe */
	button?: boolean;
}

const PAGES = {
	confirm: {
		title: '수신거부 · Unsubscribe',
		ko: '이 주소로 보내는 광고성 메일을 더 이상 받지 않으시려면 아래 버튼을 누르세요.',
		en: 'Press the button below to stop receiving marketing email at this address.',
		button: true,
	},
	done: {
		title: '수신거부 완료 · Unsubscribed',
		ko: '수신거부가 처리되었습니다. 더 이상 광고성 메일을 보내지 않습니다.',
		en: 'You are unsubscribed. We will not send you marketing email any more.',
	},
	missing: {
		title: '링크 오류 · Link incomplete',
		ko: '수신거부 링크가 완전하지 않습니다. 메일에 있는 링크 전체를 열어 주세요.',
		en: 'This unsubscribe link is incomplete. Open the whole link from the email.',
	},
	unknown: {
		title: '링크 오류 · Unknown link',
		ko: '이 수신거부 링크를 확인할 수 없습니다. 메일에 있는 링크를 그대로 열어 주세요.',
		en: 'This unsubscribe link could not be verified. Open the link exactly as it appears in the email.',
	},
	failed: {
		title: '일시적 오류 · Try again',
		ko: '지금은 수신거부를 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.',
		en: 'Your unsubscribe could not be recorded right now. Please try again in a moment.',
		button: true,
	},
} satisfies Record<string, Page>;

function renderPage(page: Page): string {
	// no action attribute: the form posts to this very URL, token included
	const form = page.button
		? '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">수신거부 · Unsubscribe</button></form>'
		: '';
	return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${page.title}</title>
<style>body{font-family:system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic",sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222;line-height:1.5}h1{font-size:1.3rem}p{margin:.5rem 0}button{margin-top:1rem;padding:.6rem 1.4rem;font-size:1rem;border:0;border-radius:6px;background:#c62828;color:#fff;cursor:pointer}</style>
</head><body><h1>${page.title}</h1><p lang="ko">${page.ko}</p><p lang="en">${page.en}</p>${form}</body></html>
`;
}
