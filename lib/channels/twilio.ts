/**
 * SMS through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form
 * encoded, HTTP Basic auth with the account SID and auth token), for numbers outside Korea.
 * Twilio has no idempotency key for messages: an unknown outcome is not resent by default.
 */
import { httpCall, summarize } from './transport';

export const TWILIO_BASE_URL = 'https://api.twilio.com';
/** Twilio's limit for one message body (it splits it into segments). */
export const TWILIO_MAX_BODY = 1600;

export interface TwilioConfig {
	accountSid: string;
	authToken: string;
	/** a Twilio number (+E.164) or a Messaging Service SID (MG…) */
	from: string;
	baseUrl: string;
}

export function parseTwilioConfig(data: Record<string, unknown>): TwilioConfig {
	const accountSid = String(data.accountSid ?? '').trim();
	if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) throw new Error('Account SID must be "AC" followed by 32 hex characters (Twilio Console → Account Info)');
	const authToken = String(data.authToken ?? '').trim();
	if (!authToken) throw new Error('Auth Token is empty');
	const from = String(data.from ?? '').trim();
	if (!/^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$/.test(from)) throw new Error('From must be a Twilio number in +E.164 form (e.g. +14155550100) or a Messaging Service SID (MG…)');
	const baseUrl = String(data.baseUrl ?? '').trim().replace(/\/+$/, '') || TWILIO_BASE_URL;
	return { accountSid, authToken, from, baseUrl };
}

/** Twilio error codes that name what to fix. */
const FIELD_OF_CODE: Record<number, string> = {
	21211: 'Phone Number',
	21614: 'Phone Number',
	21610: 'Phone Number',
	21408: 'Phone Number',
	21617: 'Text',
	21602: 'Text',
	21606: 'credential (From)',
	21659: 'credential (From)',
	20003: 'credential (Account SID / Auth Token)',
};

export async function sendTwilio(config: TwilioConfig, message: { to: string; body: string }): Promise<{ messageId: string }> {
	const form = new URLSearchParams({ To: message.to, Body: message.body });
	form.set(config.from.startsWith('MG') ? 'MessagingServiceSid' : 'From', config.from);
	const response = await httpCall(
		{
			url: `${config.baseUrl}/2010-04-01/Accounts/${config.accountSid}/Messages.json`,
			headers: {
				authorization: `Basic ${Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64')}`,
				'content-type': 'application/x-www-form-urlencoded',
			},
			body: form.toString(),
		},
		(res) => {
			const code = Number((res.json as { code?: unknown } | undefined)?.code);
			const field = FIELD_OF_CODE[code] ?? (res.status === 401 ? 'credential (Account SID / Auth Token)' : undefined);
			return { message: `Twilio refused the message (${res.status}${code ? `, code ${code}` : ''}): ${summarize(res)}`, field };
		},
	);
	const sid = (response.json as { sid?: unknown } | undefined)?.sid;
	return { messageId: typeof sid === 'string' ? sid : '' };
}
