import { createHash, timingSafeEqual } from 'node:crypto';
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';

/**
 * The Journey Report Page's authentication, as n8n's Webhook node offers it: none, HTTP Basic
 * (user and password) or a header with a value. The package's own credential types carry the
 * secrets (the community lint forbids reusing n8n's httpBasicAuth / httpHeaderAuth).
 */
export type ReportAuthKind = 'none' | 'basicAuth' | 'headerAuth';

export const REPORT_AUTH_CREDENTIALS = { basicAuth: 'journeyReportBasicAuthApi', headerAuth: 'journeyReportHeaderAuthApi' } as const;

export type AuthAnswer = { ok: true } | { ok: false; status: 401 | 403; reason: string; headers: Record<string, string> };

/** Whether a request's headers pass; compared in constant time. */
export function checkReportAuth(kind: ReportAuthKind, credential: Record<string, unknown> | undefined, headers: Record<string, string | string[] | undefined>): AuthAnswer {
	if (kind === 'none') return { ok: true };
	const challenge = { 'WWW-Authenticate': 'Basic realm="Journey report", charset="UTF-8"' };
	if (kind === 'basicAuth') {
		const header = first(headers.authorization);
		const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
		if (!match) return { ok: false, status: 401, reason: 'authorization_missing', headers: challenge };
		const decoded = Buffer.from(match[1], 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		const user = colon < 0 ? decoded : decoded.slice(0, colon);
		const password = colon < 0 ? '' : decoded.slice(colon + 1);
		const userOk = same(user, String(credential?.user ?? ''));
		const passwordOk = same(password, String(credential?.password ?? ''));
		return userOk && passwordOk ? { ok: true } : { ok: false, status: 403, reason: 'authorization_wrong', headers: {} };
	}
	const name = String(credential?.name ?? '').toLowerCase();
	const value = first(headers[name]);
	if (value === undefined) return { ok: false, status: 403, reason: 'header_missing', headers: {} };
	return same(value, String(credential?.secret ?? '')) ? { ok: true } : { ok: false, status: 403, reason: 'header_wrong', headers: {} };
}

/** The credential test of both types: nothing to call, so the fields are checked. */
export async function journeyReportAuthTest(credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	if ('user' in data || 'password' in data) {
		if (!String(data.user ?? '').trim()) return { status: 'Error', message: 'User is empty' };
		if (String(data.user).includes(':')) return { status: 'Error', message: 'User must not contain ":" (HTTP Basic authentication separates user and password with it)' };
		if (String(data.password ?? '').length < 12) return { status: 'Error', message: 'Password must have at least 12 characters' };
		return { status: 'OK', message: 'The report page will ask for this user and password' };
	}
	if (!/^[A-Za-z0-9-]+$/.test(String(data.name ?? ''))) return { status: 'Error', message: 'Header Name must be a header name such as X-Report-Key' };
	if (String(data.secret ?? '').length < 16) return { status: 'Error', message: 'Header Value must have at least 16 characters' };
	return { status: 'OK', message: 'The report page will require this header' };
}

function first(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value[0] : value;
}

/** Equal strings, in time independent of where they differ (digests make the lengths equal). */
function same(a: string, b: string): boolean {
	const da = createHash('sha256').update(a).digest();
	const db = createHash('sha256').update(b).digest();
	return timingSafeEqual(da, db) && b !== '';
}
