/**
 * What every channel provider call shares: one error shape for every provider (so the node
 * routes failures the same way whatever the channel), retries of 429/5xx with backoff that
 * honours Retry-After, and bounded concurrency per credential.
 */

/**
 * - rejected: the provider refused the message and will refuse it again (4xx): fix `field`
 * - unavailable: the provider was not reached (connection refused, DNS): certainly not sent
 * - failed: the provider answered with a temporary failure (429, 5xx) or the call timed out;
 *   the message may have been taken (`ambiguous`), so the exactly-once log keeps the key
 */
export type ProviderErrorKind = 'rejected' | 'unavailable' | 'failed';

export class ProviderError extends Error {
	readonly kind: ProviderErrorKind;
	/** the provider's HTTP status or SMTP reply code */
	readonly status?: number;
	/** the parameter to fix (rejected) */
	readonly field?: string;
	/** a provider-specific reason the node reports as is (e.g. unregistered_token) */
	readonly reason?: string;
	/** ms the provider asked to wait (Retry-After) */
	readonly retryAfterMs?: number;
	/** the message may have reached the provider */
	readonly ambiguous: boolean;

	constructor(
		kind: ProviderErrorKind,
		message: string,
		details: { status?: number; field?: string; reason?: string; retryAfterMs?: number; ambiguous?: boolean; cause?: unknown } = {},
	) {
		super(message, details.cause === undefined ? undefined : { cause: details.cause });
		this.name = 'ProviderError';
		this.kind = kind;
		this.status = details.status;
		this.field = details.field;
		this.reason = details.reason;
		this.retryAfterMs = details.retryAfterMs;
		this.ambiguous = details.ambiguous ?? kind === 'failed';
	}

	/** a later attempt can succeed */
	get retryable(): boolean {
		return this.kind !== 'rejected';
	}
}

export interface RetryPolicy {
	/** extra attempts after the first for 429/5xx/unreachable (0 = none) */
	retries: number;
	/** longest single wait, ms; a longer Retry-After ends the retries */
	maxDelayMs: number;
	/** first backoff, ms (doubles each time) */
	baseDelayMs?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, maxDelayMs: 30_000, baseDelayMs: 500 };

/**
 * Runs a provider call, retrying retryable ProviderErrors: the wait is the provider's
 * Retry-After when given, else exponential backoff with jitter, each bounded by maxDelayMs.
 */
export async function withRetries<T>(call: (attempt: number) => Promise<T>, policy: RetryPolicy, sleep = delay): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		const result = await call(attempt).then(
			(value) => ({ value }),
			(error: unknown) => ({ error }),
		);
		if ('value' in result) return result.value;
		const error = result.error;
		const wait = error instanceof ProviderError ? retryWait(error, attempt, policy) : undefined;
		if (wait === undefined) throw error;
		await sleep(wait);
	}
}

/** ms to wait before the next attempt, or undefined when the error ends the retries. */
function retryWait(error: ProviderError, attempt: number, policy: RetryPolicy): number | undefined {
	if (!error.retryable || attempt >= policy.retries) return undefined;
	const backoff = (policy.baseDelayMs ?? 500) * 2 ** attempt * (0.5 + Math.random() / 2);
	const wait = error.retryAfterMs ?? backoff;
	return wait > policy.maxDelayMs ? undefined : wait;
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
	const at = Date.parse(trimmed);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface HttpRequest {
	url: string;
	method?: string;
	headers?: Record<string, string>;
	body?: string;
	/** per attempt, ms */
	timeoutMs?: number;
}

export interface HttpResponse {
	status: number;
	headers: Headers;
	text: string;
	/** the body parsed as JSON, undefined when it is not JSON */
	json: unknown;
}

/**
 * One HTTP call; a 2xx answer is returned, anything else becomes a ProviderError: 429 and 5xx
 * `failed` (ambiguous, with Retry-After), other 4xx `rejected` (with `describe4xx` naming the
 * field when the provider says which), no answer `unavailable` (connection refused) or `failed`
 * (timeout after the request went out).
 */
export async function httpCall(
	request: HttpRequest,
	describe4xx: (response: HttpResponse) => { message: string; field?: string; reason?: string } = defaultDescribe,
): Promise<HttpResponse> {
	let res: Response;
	try {
		res = await fetch(request.url, {
			method: request.method ?? 'POST',
			headers: request.headers,
			body: request.body,
			signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
		});
	} catch (error) {
		throw connectionError(error, request.url);
	}
	const text = await res.text().catch(() => '');
	let json: unknown;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	const response: HttpResponse = { status: res.status, headers: res.headers, text, json };
	if (res.status >= 200 && res.status < 300) return response;
	const summary = summarize(response);
	if (res.status === 429 || res.status >= 500) {
		throw new ProviderError('failed', `The provider answered ${res.status}${summary ? `: ${summary}` : ''}`, {
			status: res.status,
			retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
			// a 429 is a refusal before any work; a 5xx may come after the provider took the message
			ambiguous: res.status !== 429,
		});
	}
	const described = describe4xx(response);
	throw new ProviderError('rejected', described.message, { status: res.status, field: described.field, reason: described.reason });
}

function defaultDescribe(response: HttpResponse): { message: string } {
	const summary = summarize(response);
	return { message: `The provider refused the message (${response.status})${summary ? `: ${summary}` : ''}` };
}

/** The provider's own message, from the usual JSON error shapes or the text (first 300 characters). */
export function summarize(response: HttpResponse): string {
	const body = response.json as Record<string, unknown> | undefined;
	const nested = body?.error as Record<string, unknown> | string | undefined;
	const candidates = [
		typeof nested === 'object' ? nested?.message : nested,
		body?.message,
		body?.errorMessage,
		body?.detail,
	];
	const found = candidates.find((c) => typeof c === 'string' && c.length > 0) as string | undefined;
	return (found ?? response.text).slice(0, 300);
}

function connectionError(error: unknown, url: string): ProviderError {
	const cause = (error as { cause?: { code?: string } }).cause;
	const code = cause?.code ?? (error as { code?: string }).code;
	const where = safeOrigin(url);
	if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
		return new ProviderError('failed', `The provider at ${where} did not answer in time`, { ambiguous: true, cause: error });
	}
	if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
		return new ProviderError('unavailable', `Could not reach the provider at ${where} (${code})`, { ambiguous: false, cause: error });
	}
	// the connection broke after the request may have gone out
	return new ProviderError('failed', `The call to the provider at ${where} failed: ${code ?? (error as Error).message}`, { ambiguous: true, cause: error });
}

function safeOrigin(url: string): string {
	try {
		return new URL(url).origin;
	} catch {
		return 'the configured URL';
	}
}

/**
 * Bounded concurrency per credential in this process: every execution sending through one
 * credential shares its slots, so a large batch is never one unbounded burst at a provider.
 */
export class Limiter {
	private active = 0;
	private readonly queue: Array<() => void> = [];

	constructor(public limit: number) {}

	async run<T>(task: () => Promise<T>): Promise<T> {
		if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
		this.active++;
		try {
			return await task();
		} finally {
			this.active--;
			this.queue.shift()?.();
		}
	}
}

const limiters = new Map<string, Limiter>();

/** The process-wide limiter of a credential (the latest limit asked for wins). */
export function limiterFor(credentialKey: string, limit: number): Limiter {
	let limiter = limiters.get(credentialKey);
	if (!limiter) {
		limiter = new Limiter(limit);
		limiters.set(credentialKey, limiter);
	}
	limiter.limit = limit;
	return limiter;
}
