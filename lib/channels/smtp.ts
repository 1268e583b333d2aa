/**
 * Email over SMTP with nodemailer: one pooled transport per credential per process (connections
 * are reused across items and executions), TLS or STARTTLS, and SMTP failures turned into
 * ProviderErrors the node can route.
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { ProviderError } from './transport';

export type SmtpSecurity = 'tls' | 'starttls' | 'none';

export interface SmtpConfig {
	host: string;
	port: number;
	/** tls: TLS from the first byte (port 465); starttls: upgrade required; none: plain (local relays, tests) */
	security: SmtpSecurity;
	user: string;
	password: string;
	/** default From, e.g. "Acme <news@acme.example>" */
	from: string;
	/** accept self-signed certificates (on-premise relays) */
	allowSelfSigned?: boolean;
	/** pooled connections per credential */
	maxConnections?: number;
}

export interface EmailMessage {
	from?: string;
	to: string;
	replyTo?: string;
	subject: string;
	text?: string;
	html?: string;
	headers?: Record<string, string>;
	/** the exactly-once key: the Message-ID is derived from it, so a resend carries the same id */
	messageKey: string;
}

/** Reads the credential's fields, naming the one that is wrong. */
export function parseSmtpConfig(data: Record<string, unknown>): SmtpConfig {
	const host = String(data.host ?? '').trim();
	if (!host) throw new Error('Host is empty: enter the SMTP server name, e.g. smtp.example.com');
	const port = Number(data.port ?? 587);
	if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Port ${String(data.port)} is not a port number (1–65535)`);
	const security = String(data.security ?? 'starttls') as SmtpSecurity;
	if (!['tls', 'starttls', 'none'].includes(security)) throw new Error(`Security "${security}" is not TLS, STARTTLS or None`);
	const from = String(data.from ?? '').trim();
	if (!from) throw new Error('From is empty: enter the sender address, e.g. Acme <news@acme.example>');
	return {
		host,
		port,
		security,
		user: String(data.user ?? ''),
		password: String(data.password ?? ''),
		from,
		allowSelfSigned: data.allowSelfSigned === true,
	};
}

type Transport = ReturnType<typeof makeTransport>;

function makeTransport(config: SmtpConfig, pooled: boolean) {
	const options = {
		host: config.host,
		port: config.port,
		secure: config.security === 'tls',
		requireTLS: config.security === 'starttls',
		ignoreTLS: config.security === 'none',
		auth: config.user ? { user: config.user, pass: config.password } : undefined,
		tls: config.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
		connectionTimeout: 15_000,
		greetingTimeout: 15_000,
		socketTimeout: 60_000,
	};
	if (pooled) return createTransport({ ...options, pool: true, maxConnections: config.maxConnections ?? 10, maxMessages: 1000 });
	return createTransport(options);
}

const pools = new Map<string, Transport>();

function fingerprint(config: SmtpConfig): string {
	return createHash('sha256').update(JSON.stringify([config.host, config.port, config.security, config.user, config.password, config.allowSelfSigned, config.maxConnections])).digest('hex');
}

/** The process-wide pooled transport of a credential. */
function pooledTransport(config: SmtpConfig): Transport {
	const id = fingerprint(config);
	let transport = pools.get(id);
	if (!transport) {
		transport = makeTransport(config, true);
		pools.set(id, transport);
	}
	return transport;
}

/** Closes every pooled SMTP connection of this process (tests, shutdown). */
export function closeSmtpPools(): void {
	for (const transport of pools.values()) transport.close();
	pools.clear();
}

/** Sends one email; resolves to the Message-ID, throws a ProviderError. */
export async function sendSmtp(config: SmtpConfig, message: EmailMessage): Promise<{ messageId: string }> {
	const domain = /@([^>\s]+)>?\s*$/.exec(message.from ?? config.from)?.[1] ?? 'journeys.local';
	const messageId = `<${createHash('sha256').update(message.messageKey).digest('base64url').slice(0, 32)}@${domain}>`;
	try {
		const info = await pooledTransport(config).sendMail({
			from: message.from || config.from,
			to: message.to,
			replyTo: message.replyTo || undefined,
			subject: message.subject,
			text: message.text,
			html: message.html,
			headers: message.headers,
			messageId,
		});
		return { messageId: String(info.messageId ?? messageId) };
	} catch (error) {
		throw smtpError(error);
	}
}

/** The credential test: connect, (STARTTLS,) log in, quit. */
export async function verifySmtp(config: SmtpConfig): Promise<{ ok: boolean; message: string }> {
	const transport = makeTransport(config, false);
	try {
		await transport.verify();
		return { ok: true, message: `Connected to ${config.host}:${config.port}` };
	} catch (error) {
		return { ok: false, message: smtpError(error).message };
	} finally {
		transport.close();
	}
}

interface SmtpFailure {
	code?: string;
	responseCode?: number;
	command?: string;
	response?: string;
	message?: string;
}

function smtpError(error: unknown): ProviderError {
	const e = error as SmtpFailure;
	const reply = e.response ? `: ${e.response}` : e.message ? `: ${e.message}` : '';
	if (e.code === 'EAUTH') {
		return new ProviderError('rejected', `The SMTP server refused the login${reply}`, { status: e.responseCode, field: 'credential (User / Password)', cause: error });
	}
	if (e.code === 'ECONNECTION' || e.code === 'EDNS' || e.command === 'CONN' || e.code === 'ETLS') {
		return new ProviderError('unavailable', `Could not connect to the SMTP server${reply}`, { status: e.responseCode, ambiguous: false, cause: error });
	}
	if (typeof e.responseCode === 'number' && e.responseCode >= 500) {
		const field = e.code === 'EENVELOPE' || /^RCPT/i.test(e.command ?? '') ? 'To' : undefined;
		return new ProviderError('rejected', `The SMTP server refused the message (${e.responseCode})${reply}`, { status: e.responseCode, field, cause: error });
	}
	if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
		// a 4xx reply is "try again later": the server did not take the message
		return new ProviderError('failed', `The SMTP server deferred the message (${e.responseCode})${reply}`, { status: e.responseCode, ambiguous: false, cause: error });
	}
	// a dropped connection or timeout, possibly after the data went out
	return new ProviderError('failed', `The SMTP connection failed${reply}`, { ambiguous: true, cause: error });
}
