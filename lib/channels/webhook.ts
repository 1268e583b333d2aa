/**
 * The webhook channel: a POST of a JSON body to any URL, signed in the Standard Webhooks scheme
 * with `webhook-id` = the message key, so the receiver can drop a second copy of a message (the
 * provider-side idempotency key that makes a resend after an unknown outcome safe).
 */
import { signedHeaders } from '../events/signature';
import { signingSecretProblem } from '../n8n/signingSecret';
import { httpCall } from './transport';

export interface WebhookMessage {
	url: string;
	body: string;
	messageKey: string;
	/** the `whsec_…` secret; unsigned when absent */
	secret?: string;
	headers?: Record<string, string>;
	timeoutMs?: number;
}

export async function sendWebhook(message: WebhookMessage): Promise<{ messageId: string }> {
	const headers: Record<string, string> = { 'content-type': 'application/json', ...(message.headers ?? {}) };
	if (message.secret) Object.assign(headers, signedHeaders(message.secret, message.messageKey, Math.floor(Date.now() / 1000), message.body));
	else headers['webhook-id'] = message.messageKey;
	const response = await httpCall({ url: message.url, headers, body: message.body, timeoutMs: message.timeoutMs }, (res) => ({
		message: `The webhook receiver refused the message (${res.status})${res.text ? `: ${res.text.slice(0, 300)}` : ''}`,
		field: res.status === 401 || res.status === 403 ? 'Signing credential' : res.status === 404 ? 'URL' : 'Body',
	}));
	const id = (response.json as { id?: unknown } | undefined)?.id;
	return { messageId: typeof id === 'string' || typeof id === 'number' ? String(id) : message.messageKey };
}

/** What is wrong with a signing credential's secrets, or undefined (the credential test). */
export function signingCredentialProblem(data: Record<string, unknown>): string | undefined {
	const previous = String(data.previousSecret ?? '');
	return signingSecretProblem(String(data.secret ?? ''), 'Signing Secret') ?? (previous === '' ? undefined : signingSecretProblem(previous, 'Previous Signing Secret'));
}
