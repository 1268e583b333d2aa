import { randomBytes } from 'node:crypto';
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, INodeCredentialTestResult } from 'n8n-workflow';
import { decodeSecret } from '../events/signature';

const PREFIX = 'whsec_';
const MIN_KEY_BYTES = 16;

/** A new Standard Webhooks secret (`whsec_` + 32 random bytes, base64). */
export function newSigningSecret(): string {
	return PREFIX + randomBytes(32).toString('base64');
}

/**
 * What is wrong with a signing secret, in words a marketer can act on (undefined: nothing).
 * Checked in the order people get it wrong: nothing pasted, quotes or spaces copied along,
 * the prefix missing, a character that is not base64, a key too short.
 */
export function signingSecretProblem(secret: string, field: string): string | undefined {
	if (secret.trim() === '') return `${field} is empty`;
	if (/^\s|\s$/.test(secret)) return `${field} has spaces or a line break around it: remove them`;
	if (/^["'`]|["'`]$/.test(secret)) return `${field} has quotes around it: remove them`;
	if (!secret.startsWith(PREFIX)) {
		return `${field} does not start with "${PREFIX}": Standard Webhooks secrets do; if the sender gave you only the part after it, put "${PREFIX}" in front`;
	}
	const encoded = secret.slice(PREFIX.length);
	const bad = /[^A-Za-z0-9+/=]/.exec(encoded) ?? /=(?=[^=])/.exec(encoded);
	if (bad) {
		return `${field} has "${bad[0]}" at position ${PREFIX.length + bad.index + 1}: after "${PREFIX}" only base64 (A–Z, a–z, 0–9, +, /, and = at the end) is allowed`;
	}
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return `${field} is not valid base64 after "${PREFIX}"`;
	const bytes = Buffer.from(encoded, 'base64').length;
	if (bytes < MIN_KEY_BYTES) return `${field} holds a ${bytes}-byte key; at least ${MIN_KEY_BYTES} bytes are needed`;
	try {
		decodeSecret(secret);
	} catch (error) {
		return `${field}: ${(error as Error).message}`;
	}
	return undefined;
}

/**
 * The Journey Event Signing credential's test. A marketer without a shell gets a new secret
 * from it: saving the credential with Signing Secret empty (or wrong) shows one to paste.
 */
export async function journeyEventSigningSecretTest(
	credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const secret = String(data.secret ?? '');
	const previous = String(data.previousSecret ?? '');
	const problem = signingSecretProblem(secret, 'Signing Secret') ?? (previous === '' ? undefined : signingSecretProblem(previous, 'Previous Signing Secret'));
	if (problem) {
		return {
			status: 'Error',
			message: `${problem}. A new secret you can paste into Signing Secret (and give to the sender): ${newSigningSecret()}`,
		};
	}
	const bytes = decodeSecret(secret).length;
	return {
		status: 'OK',
		message: `The signing secret is a valid Standard Webhooks secret (${bytes}-byte key)${previous ? '; the previous secret is accepted too while you rotate' : ''}`,
	};
}
