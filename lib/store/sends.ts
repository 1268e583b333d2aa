/**
 * The send-log concept of the store: what makes Channel Send exactly-once per message key.
 *
 * Before calling a provider the node *claims* the key: the store records it as `sending` with a
 * lease (a token and an end time). After the call it *settles* the claim: `sent` with the
 * provider's message id, `failed` (the provider certainly did not take it: the key is free
 * again), or `unknown` (the call may have reached the provider: the lease ends at once and the
 * next claim must decide what to do). A key already sent is never claimed again, a live lease is
 * never claimed twice, and a lease that ran out (the process died mid-call) or an unknown outcome
 * is claimed again only when the caller says the provider deduplicates (or the marketer accepts
 * a possible second copy).
 */

export interface SendClaimRequest {
	contactId: string;
	messageKey: string;
	/** unique per attempt; settles only the claim it took */
	token: string;
	/** how long the lease protects the attempt, ms */
	leaseMs: number;
	/** claim a key whose earlier attempt's outcome is unknown (provider idempotency key, or resend allowed) */
	takeUnknown: boolean;
}

export type SendClaim =
	/** the caller may send; attempt > 1 means an earlier attempt's outcome is unknown */
	| { state: 'claimed'; attempt: number }
	/** sent before: do not send, report the earlier send */
	| { state: 'sent'; messageId: string; sentAt: number }
	/** another attempt holds a live lease */
	| { state: 'busy'; leaseUntil: number }
	/** an earlier attempt's outcome is unknown and takeUnknown was false */
	| { state: 'unknown'; attempt: number }
	/** the decision deadline had passed: nothing was written */
	| { state: 'late' };

export interface SendSettleRequest {
	contactId: string;
	messageKey: string;
	token: string;
	outcome: 'sent' | 'failed' | 'unknown';
	/** the provider's message id (outcome sent) */
	messageId?: string;
}

export type SendSettled =
	| { state: 'sent'; messageId: string; sentAt: number }
	/** failed: the key is free again */
	| { state: 'released' }
	| { state: 'unknown' }
	/** the claim was no longer this token's (another attempt took it): nothing changed */
	| { state: 'stale' }
	| { state: 'late' };

export interface SendLogOptions {
	/** how long a sent key is remembered, ms */
	retentionMs: number;
	/** epoch ms: nothing is written once the store's clock is past it; 0 or absent = none */
	deadline?: number;
}

export interface SendStore {
	/** One batch, one round trip: result[i] answers requests[i], applied in order. */
	claim(requests: SendClaimRequest[], options: SendLogOptions): Promise<SendClaim[]>;
	settle(requests: SendSettleRequest[], options: SendLogOptions): Promise<SendSettled[]>;
}

/** A sent key is remembered this long by default (n8n's execution retry window and then some). */
export const DEFAULT_SEND_RETENTION_MS = 30 * 86_400_000;

/** One stored entry, the same in both stores: `<state>|<token>|<lease until>|<attempt>|<at>|<message id>`. */
export interface SendEntry {
	state: 'sending' | 'sent' | 'unknown';
	token: string;
	leaseUntil: number;
	attempt: number;
	at: number;
	messageId: string;
}

/** The claim rules both stores apply (the Lua script mirrors this function). */
export function decideClaim(entry: SendEntry | undefined, request: SendClaimRequest, now: number): { claim: SendClaim; write?: SendEntry } {
	if (!entry) {
		return { claim: { state: 'claimed', attempt: 1 }, write: lease(request, now, 1) };
	}
	if (entry.state === 'sent') return { claim: { state: 'sent', messageId: entry.messageId, sentAt: entry.at } };
	if (entry.state === 'sending' && entry.leaseUntil > now) return { claim: { state: 'busy', leaseUntil: entry.leaseUntil } };
	if (!request.takeUnknown) return { claim: { state: 'unknown', attempt: entry.attempt } };
	const attempt = entry.attempt + 1;
	return { claim: { state: 'claimed', attempt }, write: lease(request, now, attempt) };
}

/** The settle rules both stores apply; `write: null` deletes the entry. */
export function decideSettle(entry: SendEntry | undefined, request: SendSettleRequest, now: number): { settled: SendSettled; write?: SendEntry | null } {
	if (entry?.state === 'sent') return { settled: { state: 'sent', messageId: entry.messageId, sentAt: entry.at } };
	if (request.outcome === 'sent') {
		// the provider took it: record that whoever holds the lease now, so nobody sends it again
		const messageId = request.messageId ?? '';
		const attempt = entry?.attempt ?? 1;
		return {
			settled: { state: 'sent', messageId, sentAt: now },
			write: { state: 'sent', token: request.token, leaseUntil: 0, attempt, at: now, messageId },
		};
	}
	if (!entry || entry.token !== request.token) return { settled: { state: 'stale' } };
	if (request.outcome === 'failed') return { settled: { state: 'released' }, write: null };
	return { settled: { state: 'unknown' }, write: { ...entry, state: 'unknown', leaseUntil: now, at: now } };
}

function lease(request: SendClaimRequest, now: number, attempt: number): SendEntry {
	return { state: 'sending', token: request.token, leaseUntil: now + request.leaseMs, attempt, at: now, messageId: '' };
}

export function encodeSendEntry(e: SendEntry): string {
	return `${e.state}|${e.token}|${e.leaseUntil}|${e.attempt}|${e.at}|${e.messageId}`;
}

export function decodeSendEntry(value: string | null | undefined): SendEntry | undefined {
	if (!value) return undefined;
	const m = /^(sending|sent|unknown)\|([^|]*)\|(\d+)\|(\d+)\|(\d+)\|(.*)$/s.exec(value);
	if (!m) return undefined;
	return { state: m[1] as SendEntry['state'], token: m[2], leaseUntil: +m[3], attempt: +m[4], at: +m[5], messageId: m[6] };
}
