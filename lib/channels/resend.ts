/**
 * Email through Resend's HTTP API (`POST /emails`). Resend keeps an `Idempotency-Key` for 24
 * hours and answers a repeat with the first send's id, so a resend after an unknown outcome
 * cannot deliver twice: the key is the message key (hashed when longer than Resend allows).
 */
import { createHash } from 'node:crypto';
import type { EmailMessage } from './smtp';
import { httpCall, summarize } from './transport';

export const RESEND_BASE_URL = 'https://api.resend.com';

export interface ResendConfig {
	apiKey: string;
	/** default https://api.resend.com; tests and gateways point elsewhere */
	baseUrl: string;
	/** default From */
	from: string;
}

export function parseResendConfig(data: Record<string, unknown>): ResendConfig {
	const apiKey = String(data.apiKey ?? '').trim();
	if (!apiKey) throw new Error('API Key is empty: create one at resend.com → API Keys');
	const baseUrl = String(data.baseUrl ?? '').trim().replace(/\/+$/, '') || RESEND_BASE_URL;
	if (!/^https?:\/\//.test(baseUrl)) throw new Error(`Base URL "${baseUrl}" is not an http(s) URL`);
	const from = String(data.from ?? '').trim();
	if (!from) throw new Error('From is empty: enter a sender on a domain verified in Resend, e.g. Acme <news@acme.example>');
	return { apiKey, baseUrl, from };
}

/** Resend accepts idempotency keys up to 256 characters. */
export function resendIdempotencyKey(messageKey: string): string {
	return messageKey.length <= 256 ? messageKey : `sha256:${createHash('sha256').update(messageKey).digest('hex')}`;
}

const FIELD_OF: Array<[RegExp, string]> = [
	[/\bto\b/i, 'To'],
	[/\bfrom\b/i, 'From'],
	[/subject/i, 'Subject'],
	[/html|text/i, 'Text'],
	[/reply_to/i, 'Reply To'],
];

export async function sendResend(config: ResendConfig, message: EmailMessage): Promise<{ messageId: string }> {
	const body = JSON.stringify({
		from: message.from || config.from,
		to: [message.to],
		subject: message.subject,
		text: message.text,
		html: message.html,
		reply_to: message.replyTo,
		headers: message.headers && Object.keys(message.headers).length ? message.headers : undefined,
	});
	const response = await httpCall(
		{
			url: `${config.baseUrl}/emails`,
			headers: {
				authorization: `Bearer ${config.apiKey}`,
				'content-type': 'application/json',
				'idempotency-key': resendIdempotencyKey(message.messageKey),
			},
			body,
		},
		(res) => {
			const text = summarize(res);
			if (res.status === 401 || res.status === 403) return { message: `Resend refused the API key (${res.status}): ${text}`, field: 'credential (API Key)' };
			const field = FIELD_OF.find(([pattern]) => pattern.test(text))?.[1];
			return { message: `Resend refused the message (${res.status}): ${text}`, field };
		},
	);
	const id = (response.json as { id?: unknown } | undefined)?.id;
	return { messageId: typeof id === 'string' ? id : '' };
}
