/**
 * The resumer: after events are recorded, finds the waits they satisfy and posts each match to
 * its wait's resume URL (`…/webhook-waiting/<executionId>/<nodeId>?signature=…`). n8n and the
 * wait's webhook answer:
 *
 *   200  resumed                               → registration removed
 *   202  not matched (wait's own check), keep  → kept
 *   404  execution / wait gone or stale        → registration removed
 *   409  finished (or finished with error)     → registration removed
 *   409  running                               → retried with backoff (the execution is still
 *                                                 being parked, or is continuing by another path)
 *   409  claimed by another event (our body)   → kept: the winner removes it
 *   401  resume token refused: stale URL       → removed and logged
 *   5xx / network error                         → retried with backoff (n8n answers 500 when its
 *                                                 compare-and-set on `waiting` loses a race)
 *
 * Before posting, the resumer claims the wait for the event in the store (the wait's webhook
 * claims it again for the same event, which it accepts). Only the delivery that made the claim
 * posts: copies of the event delivered at the same time, and other events, leave the wait to it
 * instead of making n8n refuse (and log) a second resume. A claim by this event older than the
 * resume lease (a process that died mid-resume) is posted again, so a retried event finishes it.
 *
 * Exactly once does not depend on this module: the store claim lets one event own a wait, and
 * n8n's compare-and-set on the execution's `waiting` status lets one attempt continue it.
 */
import type { ContactEvent, JourneyStore } from '../store/types';
import type { WaitRegistration } from '../store/waits';
import { compileWaitMatcher } from './matching';

export interface ResumerLogger {
	debug(message: string, meta?: Record<string, unknown>): void;
	info(message: string, meta?: Record<string, unknown>): void;
	warn(message: string, meta?: Record<string, unknown>): void;
	error(message: string, meta?: Record<string, unknown>): void;
}

export type ResumeOutcome =
	/** n8n continued the execution with this event */
	| 'resumed'
	/** the wait's own check says the event does not match; the wait stays */
	| 'not_matched'
	/** execution finished, missing, or a newer wait replaced this one; registration removed */
	| 'gone'
	/** the resume token was refused; registration removed */
	| 'stale'
	/** another event holds the wait */
	| 'claimed_by_other'
	/** another delivery of this event is resuming the wait right now; nothing posted */
	| 'in_progress'
	/** still running / unreachable after the retry budget; registration kept */
	| 'gave_up';

export interface ResumeAttempt {
	contactId: string;
	waitId: string;
	executionId: string;
	eventId: string;
	outcome: ResumeOutcome;
	/** last HTTP status, if any */
	status?: number;
	attempts: number;
}

export interface ResumeOptions {
	logger?: ResumerLogger;
	/** per request (default 20 s) */
	requestTimeoutMs?: number;
	/** total time spent retrying one wait (409 running, 5xx, network; default 30 s) */
	retryBudgetMs?: number;
	/** first backoff step; doubles up to 2 s */
	retryBaseMs?: number;
	/** parallel posts */
	concurrency?: number;
	/** replaces fetch (tests) */
	fetch?: typeof fetch;
}

/** The body the resumer posts; the wait's webhook reads it. */
export interface ResumeRequestBody {
	journeysResume: 1;
	token: string;
	event: ContactEvent;
}

/**
 * Resumes every wait the (newly recorded) events satisfy. Events of one wait are tried oldest
 * first until one continues it. Returns one attempt per (wait, event) tried.
 */
export async function resumeWaits(store: JourneyStore, events: ContactEvent[], options: ResumeOptions = {}): Promise<ResumeAttempt[]> {
	const work = await findMatchingWaits(store, events);
	const jobs = work.map((entry) => async () => {
		const attempts: ResumeAttempt[] = [];
		for (const event of entry.events) {
			const attempt = await resumeOne(store, entry.registration, event, options);
			attempts.push(attempt);
			if (attempt.outcome !== 'not_matched') break;
		}
		return attempts;
	});
	const results = await runLimited(jobs, options.concurrency ?? 16);
	return results.flat();
}

/** A wait and the events (oldest first) that satisfy it. */
export interface MatchedWait {
	registration: WaitRegistration;
	events: ContactEvent[];
}

/**
 * The store half of resuming: one batched lookup of the waits registered for the events'
 * (contact, name) pairs, then the match (correlation, conditions, since) in process.
 */
export async function findMatchingWaits(store: JourneyStore, events: ContactEvent[]): Promise<MatchedWait[]> {
	if (events.length === 0) return [];
	const pairs = new Map<string, { contactId: string; name: string }>();
	for (const event of events) pairs.set(`${event.contactId}\u0000${event.name}`, { contactId: event.contactId, name: event.name });
	const lookups = [...pairs.values()];
	const found = await store.waits.find(lookups);
	const byPair = new Map<string, WaitRegistration[]>();
	lookups.forEach((lookup, i) => byPair.set(`${lookup.contactId}\u0000${lookup.name}`, found[i]));

	const work = new Map<string, MatchedWait>();
	for (const event of events) {
		for (const registration of byPair.get(`${event.contactId}\u0000${event.name}`) ?? []) {
			// a claimed wait belongs to its event: only that event (a retry of it) may resume it
			if (registration.claim && registration.claim.eventId !== event.id) continue;
			if (!compileWaitMatcher(registration.match, registration.contactId)(event)) continue;
			const key = `${registration.contactId}\u0000${registration.waitId}\u0000${registration.token}`;
			const entry = work.get(key) ?? { registration, events: [] };
			entry.events.push(event);
			work.set(key, entry);
		}
	}
	const matched = [...work.values()];
	for (const entry of matched) entry.events.sort((a, b) => a.occurredAt - b.occurredAt);
	return matched;
}

/** Posts one event to one wait and acts on the answer (remove / keep / retry). */
export async function resumeOne(
	store: JourneyStore,
	registration: WaitRegistration,
	event: ContactEvent,
	options: ResumeOptions = {},
): Promise<ResumeAttempt> {
	const logger = options.logger;
	const meta = { waitId: registration.waitId, executionId: registration.executionId, eventId: event.id };
	const ref = { contactId: registration.contactId, waitId: registration.waitId, token: registration.token };
	const skipped = await claimBeforePost(store, ref, event, options);
	if (skipped) {
		logger?.debug(`Journeys: not resuming a wait (${skipped})`, meta);
		return { contactId: event.contactId, ...meta, outcome: skipped, attempts: 0 };
	}
	const result = await postResume(registration, event, options);
	const attempt: ResumeAttempt = { contactId: event.contactId, ...meta, outcome: result.outcome, status: result.status, attempts: result.attempts };
	switch (result.outcome) {
		case 'resumed':
			await store.waits.remove([ref]);
			logger?.debug('Journeys: resumed a waiting execution', meta);
			break;
		case 'gone':
			await store.waits.remove([ref]);
			logger?.debug(`Journeys: dropped the wait of a finished execution (HTTP ${result.status})`, meta);
			break;
		case 'stale':
			await store.waits.remove([ref]);
			logger?.warn(
				'Journeys: n8n refused the resume token of a waiting execution (HTTP 401); its registration was removed. ' +
					'Check that the resume base URL points at this n8n instance.',
				meta,
			);
			break;
		case 'gave_up':
			logger?.warn(
				`Journeys: could not resume a waiting execution within the retry budget (${result.detail ?? `HTTP ${result.status}`}); the wait stays registered`,
				meta,
			);
			break;
		default:
			logger?.debug(`Journeys: resume answered ${result.outcome}`, meta);
	}
	return attempt;
}

/**
 * Claims the wait for the event; returns why not to post, or undefined to post. A claim this
 * event made before is posted again only once it is older than one resume's whole budget.
 */
async function claimBeforePost(
	store: JourneyStore,
	ref: { contactId: string; waitId: string; token: string },
	event: ContactEvent,
	options: ResumeOptions,
): Promise<ResumeOutcome | undefined> {
	const claim = await store.waits.claim(ref, event.id);
	switch (claim.status) {
		case 'claimed': {
			if (claim.fresh) return undefined;
			const lease = (options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) + (options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS);
			const claimedAt = claim.registration.claim?.at ?? 0;
			return (await store.now()) - claimedAt >= lease ? undefined : 'in_progress';
		}
		case 'taken':
			return 'claimed_by_other';
		default:
			// missing, replaced by a newer wait, or timed out (n8n's timer continues it)
			return 'gone';
	}
}

const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;
const DEFAULT_RETRY_BUDGET_MS = 30_000;

interface PostResult {
	outcome: ResumeOutcome;
	status?: number;
	attempts: number;
	detail?: string;
}

/** One wait, one event: post with retries; classifies n8n's (and the wait webhook's) answer. */
export async function postResume(
	registration: WaitRegistration,
	event: ContactEvent,
	options: ResumeOptions = {},
): Promise<PostResult> {
	const doFetch = options.fetch ?? fetch;
	// n8n answers a resume once the continued run has started: normally well under a second,
	// but seconds on a loaded instance; an attempt cut short is retried (n8n then says 409)
	const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
	const deadline = Date.now() + (options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS);
	const body: ResumeRequestBody = { journeysResume: 1, token: registration.token, event };
	const payload = JSON.stringify(body);
	let backoff = options.retryBaseMs ?? 100;
	let attempts = 0;
	let last: { status?: number; detail?: string } = {};
	for (;;) {
		attempts++;
		let verdict: 'retry' | ResumeOutcome;
		try {
			const response = await doFetch(registration.resumeUrl, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: payload,
				signal: AbortSignal.timeout(requestTimeoutMs),
			});
			const text = await response.text();
			last = { status: response.status, detail: `HTTP ${response.status}` };
			verdict = classify(response.status, text);
		} catch (error) {
			last = { detail: `request failed: ${(error as Error).message}` };
			verdict = 'retry';
		}
		if (verdict !== 'retry') return { outcome: verdict, status: last.status, attempts, detail: last.detail };
		if (Date.now() + backoff > deadline) return { outcome: 'gave_up', status: last.status, attempts, detail: last.detail };
		await new Promise((resolve) => setTimeout(resolve, backoff));
		backoff = Math.min(backoff * 2, 2_000);
	}
}

/** n8n's answer → what to do. Exported for the unit tests. */
export function classify(status: number, body: string): 'retry' | ResumeOutcome {
	const outcome = journeysOutcome(body);
	if (status >= 200 && status < 300) {
		if (status === 202 || outcome === 'not_matched') return 'not_matched';
		return 'resumed';
	}
	if (status === 401) return 'stale';
	if (status === 404) return 'gone';
	if (status === 409) {
		if (outcome === 'claimed_by_other') return 'claimed_by_other';
		if (outcome === 'gone') return 'gone';
		// n8n: "The execution "<id>" is running already." vs "… has finished already." / "… finished with error."
		if (/running/i.test(body) && !/finished/i.test(body)) return 'retry';
		return 'gone';
	}
	if (status === 400 || status === 403 || status === 422) return 'gone';
	return 'retry';
}

/** The `outcome` field of an answer written by the wait's webhook, if any. */
function journeysOutcome(body: string): string | undefined {
	if (!body || body[0] !== '{') return undefined;
	try {
		const parsed = JSON.parse(body) as { journeys?: { outcome?: unknown } };
		return typeof parsed.journeys?.outcome === 'string' ? parsed.journeys.outcome : undefined;
	} catch {
		return undefined;
	}
}

async function runLimited<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
	const results: T[] = new Array(jobs.length);
	let next = 0;
	const workers = Array.from({ length: Math.min(limit, jobs.length) }, async () => {
		while (next < jobs.length) {
			const index = next++;
			results[index] = await jobs[index]();
		}
	});
	await Promise.all(workers);
	return results;
}
