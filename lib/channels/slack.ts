/**
 * Slack: an incoming webhook URL (posts to the channel the webhook was made for) or
 * `chat.postMessage` with a bot token. Slack answers errors of chat.postMessage with HTTP 200
 * and `{ ok: false, error }`, which are turned into rejections naming the field.
 */
import { httpCall, ProviderError, summarize } from './transport';

export const SLACK_BASE_URL = 'https://slack.com/api';

export type SlackConfig =
	| { kind: 'webhook'; webhookUrl: string }
	| { kind: 'bot'; botToken: string; baseUrl: string };

export function parseSlackConfig(data: Record<string, unknown>): SlackConfig {
	if (data.connection === 'bot') {
		const botToken = String(data.botToken ?? '').trim();
		if (!botToken.startsWith('xoxb-')) throw new Error('Bot Token must start with "xoxb-" (Slack app → OAuth & Permissions)');
		const baseUrl = String(data.baseUrl ?? '').trim().replace(/\/+$/, '') || SLACK_BASE_URL;
		return { kind: 'bot', botToken, baseUrl };
	}
	const webhookUrl = String(data.webhookUrl ?? '').trim();
	if (!/^https?:\/\/\S+$/.test(webhookUrl)) throw new Error('Webhook URL must be the https://hooks.slack.com/services/… address of an incoming webhook');
	return { kind: 'webhook', webhookUrl };
}

const FIELD_OF_ERROR: Record<string, string> = {
	channel_not_found: 'Slack Channel',
	not_in_channel: 'Slack Channel',
	is_archived: 'Slack Channel',
	no_text: 'Text',
	msg_too_long: 'Text',
	invalid_auth: 'credential (Bot Token)',
	not_authed: 'credential (Bot Token)',
	token_revoked: 'credential (Bot Token)',
	invalid_token: 'credential (Webhook URL)',
	no_service: 'credential (Webhook URL)',
	channel_is_archived: 'credential (Webhook URL)',
};

export async function sendSlack(config: SlackConfig, message: { channel?: string; text: string }): Promise<{ messageId: string }> {
	const describe = (res: { status: number; text: string; json: unknown; headers: Headers }) => {
		const error = (res.json as { error?: string } | undefined)?.error ?? res.text.trim();
		return { message: `Slack refused the message (${res.status}): ${summarize(res)}`, field: FIELD_OF_ERROR[error], reason: undefined };
	};
	if (config.kind === 'webhook') {
		await httpCall({ url: config.webhookUrl, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: message.text }) }, describe);
		return { messageId: '' };
	}
	const response = await httpCall(
		{
			url: `${config.baseUrl}/chat.postMessage`,
			headers: { authorization: `Bearer ${config.botToken}`, 'content-type': 'application/json; charset=utf-8' },
			body: JSON.stringify({ channel: message.channel, text: message.text }),
		},
		describe,
	);
	const body = response.json as { ok?: boolean; error?: string; ts?: string; channel?: string } | undefined;
	if (!body?.ok) {
		const error = body?.error ?? 'unknown_error';
		if (error === 'ratelimited') throw new ProviderError('failed', 'Slack rate-limited the call', { status: 429, ambiguous: false });
		throw new ProviderError('rejected', `Slack refused the message: ${error}`, { status: response.status, field: FIELD_OF_ERROR[error] });
	}
	return { messageId: `${body.channel ?? ''}:${body.ts ?? ''}` };
}

/** The credential test: auth.test for a bot token; an incoming webhook can only be checked by posting. */
export async function verifySlack(config: SlackConfig): Promise<{ ok: boolean; message: string }> {
	if (config.kind === 'webhook') return { ok: true, message: 'The webhook URL is well formed (Slack offers no way to test it without posting)' };
	try {
		const res = await httpCall({ url: `${config.baseUrl}/auth.test`, headers: { authorization: `Bearer ${config.botToken}` }, body: '' });
		const body = res.json as { ok?: boolean; error?: string; team?: string } | undefined;
		return body?.ok ? { ok: true, message: `Connected to ${body.team ?? 'Slack'}` } : { ok: false, message: `Slack refused the token: ${body?.error ?? res.text}` };
	} catch (error) {
		return { ok: false, message: (error as Error).message };
	}
}
