/**
 * Mobile push through Firebase Cloud Messaging HTTP v1: the service account signs a JWT
 * (RS256), exchanges it at its token URI for an OAuth2 access token (cached per account until a
 * minute before it expires), and posts `projects/{id}/messages:send`. A token FCM no longer
 * knows (404 / UNREGISTERED) is reported as `unregistered_token` so a journey can drop it.
 */
import { createSign } from 'node:crypto';
import { httpCall, ProviderError, summarize } from './transport';

export const FCM_BASE_URL = 'https://fcm.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export interface FcmConfig {
	projectId: string;
	clientEmail: string;
	privateKey: string;
	tokenUri: string;
	baseUrl: string;
}

export function parseFcmConfig(data: Record<string, unknown>): FcmConfig {
	const account = parseObject(String(data.serviceAccount ?? ''));
	if (!account) {
		throw new Error('Service Account JSON is not a JSON object: paste the whole key file (Firebase console → Project settings → Service accounts → Generate new private key)');
	}
	for (const field of ['project_id', 'client_email', 'private_key']) {
		if (typeof account[field] !== 'string' || !account[field]) throw new Error(`Service Account JSON has no "${field}": paste the whole key file`);
	}
	const baseUrl = String(data.baseUrl ?? '').trim().replace(/\/+$/, '') || FCM_BASE_URL;
	return {
		projectId: account.project_id as string,
		clientEmail: account.client_email as string,
		privateKey: account.private_key as string,
		tokenUri: String(data.grantUrl ?? '').trim() || (account.token_uri as string) || 'https://oauth2.googleapis.com/token',
		baseUrl,
	};
}

function parseObject(text: string): Record<string, unknown> | undefined {
	try {
		const value = JSON.parse(text) as unknown;
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/** RS256 signature, or undefined when the key cannot sign. */
function signRs256(unsigned: string, privateKey: string): string | undefined {
	try {
		return createSign('RSA-SHA256').update(unsigned).sign(privateKey, 'base64url');
	} catch {
		return undefined;
	}
}

const tokens = new Map<string, { token: string; expiresAt: number }>();

/** The cached access token of the service account, or a new one. */
export async function fcmAccessToken(config: FcmConfig, now = Date.now()): Promise<string> {
	const id = `${config.clientEmail}|${config.tokenUri}`;
	const cached = tokens.get(id);
	if (cached && cached.expiresAt - 60_000 > now) return cached.token;
	const iat = Math.floor(now / 1000);
	const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
	const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iss: config.clientEmail, scope: SCOPE, aud: config.tokenUri, iat, exp: iat + 3600 })}`;
	const signature = signRs256(unsigned, config.privateKey);
	if (!signature) throw new ProviderError('rejected', "The service account's private_key is not an RSA private key that can sign", { field: 'credential (Service Account JSON)' });
	const response = await httpCall(
		{
			url: config.tokenUri,
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` }).toString(),
		},
		(res) => ({ message: `Google refused the service account (${res.status}): ${summarize(res)}`, field: 'credential (Service Account JSON)' }),
	);
	const body = response.json as { access_token?: string; expires_in?: number } | undefined;
	if (!body?.access_token) throw new ProviderError('failed', 'The token endpoint answered without an access token', { ambiguous: false });
	tokens.set(id, { token: body.access_token, expiresAt: now + (body.expires_in ?? 3600) * 1000 });
	return body.access_token;
}

export interface PushMessage {
	token: string;
	title: string;
	body: string;
	image?: string;
	/** opened when the notification is tapped (web push link; data.link for apps) */
	link?: string;
	data?: Record<string, string>;
}

export async function sendFcm(config: FcmConfig, message: PushMessage): Promise<{ messageId: string }> {
	const accessToken = await fcmAccessToken(config);
	const data = { ...(message.data ?? {}), ...(message.link ? { link: message.link } : {}) };
	const payload = {
		message: {
			token: message.token,
			notification: { title: message.title, body: message.body, ...(message.image ? { image: message.image } : {}) },
			...(Object.keys(data).length ? { data } : {}),
			...(message.link ? { webpush: { fcm_options: { link: message.link } } } : {}),
		},
	};
	const response = await httpCall(
		{
			url: `${config.baseUrl}/v1/projects/${encodeURIComponent(config.projectId)}/messages:send`,
			headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
			body: JSON.stringify(payload),
		},
		(res) => {
			const error = (res.json as { error?: { status?: string; details?: Array<{ errorCode?: string }> } } | undefined)?.error;
			const code = error?.details?.find((d) => d.errorCode)?.errorCode ?? error?.status;
			if (res.status === 404 || code === 'UNREGISTERED') {
				return { message: `FCM does not know this device token any more (${res.status}): ${summarize(res)}`, field: 'Device Registration ID', reason: 'unregistered_token' };
			}
			if (res.status === 401 || res.status === 403) return { message: `FCM refused the credential (${res.status}): ${summarize(res)}`, field: 'credential (Service Account JSON)' };
			return { message: `FCM refused the message (${res.status}): ${summarize(res)}`, field: code === 'INVALID_ARGUMENT' ? 'Device Registration ID' : undefined };
		},
	);
	const name = (response.json as { name?: string } | undefined)?.name;
	return { messageId: name ?? '' };
}
