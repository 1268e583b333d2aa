/**
 * Real providers on 127.0.0.1 for the Channel Send tests: an SMTP server (the `smtp-server`
 * package) that keeps every message it accepted, and an HTTP receiver whose answers a test
 * scripts (success, 429 with Retry-After, 500 after recording, 400).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
	from: string;
	to: string[];
	raw: string;
	/** unfolded headers, encoded words decoded, lower-case names */
	headers: Record<string, string>;
}

export interface SmtpFixture {
	port: number;
	mails: ReceivedMail[];
	/** logins tried: user → password */
	logins: Array<{ user: string; password: string }>;
	close(): Promise<void>;
}

/** An SMTP server without TLS; rejects recipients starting with "bounce" (550) and, with a user set, other logins. */
export async function startSmtp(options: { user?: string; password?: string } = {}): Promise<SmtpFixture> {
	const mails: ReceivedMail[] = [];
	const logins: SmtpFixture['logins'] = [];
	const server = new SMTPServer({
		disabledCommands: options.user ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
		allowInsecureAuth: true,
		authOptional: !options.user,
		logger: false,
		onAuth(auth, _session, callback) {
			logins.push({ user: auth.username ?? '', password: auth.password ?? '' });
			if (auth.username === options.user && auth.password === options.password) callback(null, { user: auth.username });
			else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
		},
		onRcptTo(address, _session, callback) {
			if (address.address.startsWith('bounce')) callback(Object.assign(new Error('No such user here'), { responseCode: 550 }));
			else callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', () => {
				const raw = Buffer.concat(chunks).toString('utf8');
				mails.push({
					from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
					to: session.envelope.rcptTo.map((r) => r.address),
					raw,
					headers: parseHeaders(raw),
				});
				callback();
			});
		},
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.server.address() as AddressInfo).port;
	return { port, mails, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function parseHeaders(raw: string): Record<string, string> {
	const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
	const out: Record<string, string> = {};
	for (const line of head.split(/\r?\n/)) {
		const at = line.indexOf(':');
		if (at > 0) out[line.slice(0, at).toLowerCase()] = decodeWords(line.slice(at + 1).trim());
	}
	return out;
}

/** RFC 2047 encoded words (what nodemailer writes for a non-ASCII subject). */
export function decodeWords(value: string): string {
	return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, encoding: string, data: string) => {
		if (encoding.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
		const bytes = data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
		return Buffer.from(bytes, 'latin1').toString('utf8');
	});
}

export interface HttpRequestSeen {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

export type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

export interface HttpFixture {
	url: string;
	requests: HttpRequestSeen[];
	/** the receiver's log deduplicated by webhook-id, as a Standard Webhooks receiver keeps it */
	delivered: Map<string, HttpRequestSeen>;
	/** answers for the next requests, in order; then 200 */
	script: Answer[];
	close(): Promise<void>;
}

/** `delayMs`: answer each request that long after recording it (a slow provider). */
export async function startHttp(options: { delayMs?: number } = {}): Promise<HttpFixture> {
	const requests: HttpRequestSeen[] = [];
	const delivered = new Map<string, HttpRequestSeen>();
	const script: Answer[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
			requests.push(seen);
			const answer = script.shift() ?? { status: 200 };
			const id = String(req.headers['webhook-id'] ?? '');
			// a receiver records what it accepted (also when it then fails, like a 500 after the insert)
			if ((answer.status < 300 || answer.status >= 500) && id && !delivered.has(id)) delivered.set(id, seen);
			const body = JSON.stringify(answer.body ?? { id: `rcv-${requests.length}` });
			setTimeout(() => {
				res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
				res.end(body);
			}, options.delayMs ?? 0);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `http://127.0.0.1:${port}`,
		requests,
		delivered,
		script,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
