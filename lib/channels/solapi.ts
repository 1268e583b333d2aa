/**
 * SMS / LMS and Kakao AlimTalk through SOLAPI (`POST /messages/v4/send-many/detail`), signed
 * `Authorization: HMAC-SHA256 apiKey=…, date=…, salt=…, signature=…` where the signature is
 * HMAC-SHA256(API secret, date + salt) in hex. SMS or LMS is chosen by length: a message over
 * 90 bytes counted as EUC-KR (ASCII 1 byte, Hangul and other characters 2) goes as LMS.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { httpCall, ProviderError, summarize } from './transport';

export const SOLAPI_BASE_URL = 'https://api.solapi.com';
export const SMS_MAX_BYTES = 90;
export const LMS_MAX_BYTES = 2000;

export interface SolapiConfig {
	apiKey: string;
	apiSecret: string;
	/** the registered sender number (발신번호) */
	from: string;
	baseUrl: string;
}

export function parseSolapiConfig(data: Record<string, unknown>): SolapiConfig {
	const apiKey = String(data.apiKey ?? '').trim();
	const apiSecret = String(data.apiSecret ?? '').trim();
	if (!apiKey || !apiSecret) throw new Error('API Key and API Secret are required (SOLAPI console → API Key)');
	const from = koreanNumber(String(data.from ?? ''));
	if (!from) throw new Error('Sender Number must be a Korean number registered in SOLAPI, e.g. 0212345678 or 01012345678');
	const baseUrl = String(data.baseUrl ?? '').trim().replace(/\/+$/, '') || SOLAPI_BASE_URL;
	return { apiKey, apiSecret, from, baseUrl };
}

/** A Korean number in SOLAPI's domestic form (digits, leading 0), or undefined. */
export function koreanNumber(raw: string): string | undefined {
	let digits = raw.replace(/[\s().-]/g, '');
	if (digits.startsWith('+82')) digits = `0${digits.slice(3)}`;
	else if (digits.startsWith('82') && digits.length >= 11) digits = `0${digits.slice(2)}`;
	return /^0\d{8,10}$/.test(digits) || /^1\d{7}$/.test(digits) ? digits : undefined;
}

/** Bytes as Korean carriers count them (EUC-KR: ASCII one byte, everything else two). */
export function eucKrLength(text: string): number {
	let bytes = 0;
	for (const ch of text) bytes += ch.codePointAt(0)! < 0x80 ? 1 : 2;
	return bytes;
}

export function smsType(text: string): 'SMS' | 'LMS' {
	return eucKrLength(text) > SMS_MAX_BYTES ? 'LMS' : 'SMS';
}

/** The Authorization header for a request made at `date` (ISO) with `salt`. */
export function solapiAuthorization(config: Pick<SolapiConfig, 'apiKey' | 'apiSecret'>, date: string, salt: string): string {
	const signature = createHmac('sha256', config.apiSecret).update(date + salt).digest('hex');
	return `HMAC-SHA256 apiKey=${config.apiKey}, date=${date}, salt=${salt}, signature=${signature}`;
}

export interface KoreanTextMessage {
	to: string;
	text: string;
	/** LMS subject (optional) */
	subject?: string;
}

export interface AlimTalkMessage extends KoreanTextMessage {
	pfId: string;
	templateId: string;
	variables: Record<string, string>;
	/** send `text` as SMS/LMS when AlimTalk cannot be delivered */
	fallback: boolean;
}

interface SolapiResult {
	messageId: string;
}

async function post(config: SolapiConfig, message: Record<string, unknown>): Promise<SolapiResult> {
	const date = new Date().toISOString();
	const salt = randomBytes(16).toString('hex');
	const response = await httpCall(
		{
			url: `${config.baseUrl}/messages/v4/send-many/detail`,
			headers: { authorization: solapiAuthorization(config, date, salt), 'content-type': 'application/json' },
			body: JSON.stringify({ messages: [message] }),
		},
		(res) => {
			const code = (res.json as { errorCode?: string } | undefined)?.errorCode ?? '';
			const field = /Authenticat|Signature|ApiKey/i.test(code) || res.status === 401 ? 'credential (API Key / API Secret)' : undefined;
			return { message: `SOLAPI refused the request (${res.status}${code ? `, ${code}` : ''}): ${summarize(res)}`, field };
		},
	);
	const body = response.json as {
		failedMessageList?: Array<{ statusCode?: string; statusMessage?: string }>;
		messageList?: Array<{ messageId?: string }>;
	};
	const failed = body?.failedMessageList?.[0];
	if (failed) {
		throw new ProviderError('rejected', `SOLAPI did not accept the message (${failed.statusCode ?? '?'}): ${failed.statusMessage ?? ''}`, {
			status: response.status,
			field: fieldOfStatus(failed.statusCode ?? '', failed.statusMessage ?? ''),
			reason: `solapi_${failed.statusCode ?? 'failed'}`,
		});
	}
	return { messageId: body?.messageList?.[0]?.messageId ?? '' };
}

function fieldOfStatus(code: string, text: string): string | undefined {
	if (/template|템플릿|variable|변수/i.test(text)) return 'Template Variables';
	if (/pfId|채널|profile/i.test(text)) return 'Kakao Channel ID (pfId)';
	if (/수신|to|number|번호/i.test(text)) return 'Phone Number';
	if (code.startsWith('3')) return 'Template Variables';
	return undefined;
}

export async function sendSolapiText(config: SolapiConfig, message: KoreanTextMessage): Promise<{ messageId: string }> {
	const type = smsType(message.text);
	return post(config, { to: message.to, from: config.from, text: message.text, type, ...(type === 'LMS' && message.subject ? { subject: message.subject } : {}) });
}

/**
 * AlimTalk; when SOLAPI refuses it at once (template mismatch, no Kakao user) and fallback is
 * on, the text goes as SMS/LMS instead. SOLAPI itself falls back later for an AlimTalk that it
 * accepted but could not deliver (disableSms: false), so a message is never sent both ways.
 */
export async function sendAlimTalk(config: SolapiConfig, message: AlimTalkMessage): Promise<{ messageId: string; fallback?: 'sms' }> {
	const attempt = await post(config, {
		to: message.to,
		from: config.from,
		text: message.text,
		type: 'ATA',
		kakaoOptions: { pfId: message.pfId, templateId: message.templateId, variables: message.variables, disableSms: !message.fallback },
	}).then(
		(sent) => ({ sent }),
		(error: unknown) => ({ error }),
	);
	if ('sent' in attempt) return attempt.sent;
	const refused = attempt.error instanceof ProviderError && attempt.error.kind === 'rejected' && attempt.error.reason !== undefined;
	if (!refused || !message.fallback) throw attempt.error;
	const sent = await sendSolapiText(config, message);
	return { ...sent, fallback: 'sms' };
}

/** The credential test: a signed request for the account's balance. */
export async function verifySolapi(config: SolapiConfig): Promise<{ ok: boolean; message: string }> {
	const date = new Date().toISOString();
	const salt = randomBytes(16).toString('hex');
	try {
		await httpCall({ url: `${config.baseUrl}/cash/v1/balance`, method: 'GET', headers: { authorization: solapiAuthorization(config, date, salt) } });
		return { ok: true, message: 'SOLAPI accepted the API key' };
	} catch (error) {
		return { ok: false, message: (error as Error).message };
	}
}
