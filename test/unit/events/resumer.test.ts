/**
 * The resumer against a real HTTP server on 127.0.0.1 that answers like n8n's waiting webhooks
 * (status and body per scenario), over the memory store.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestEvents } from '../../../lib/events/ingest';
import { classify, postResume, resumeOne, resumeWaits } from '../../../lib/events/resumer';
import { MemoryStore } from '../../../lib/store/memory/MemoryStore';
import type { ContactEvent, WaitRegistration } from '../../../lib/store/types';
import { memoryLogger } from './helpers';

interface Received {
	path: string;
	body: { journeysResume: number; token: string; event: ContactEvent };
	at: number;
}

type Answer = { status: number; body: unknown };
/** scenario name (first path segment after /webhook-waiting/) → answers in order (the last repeats) */
const scenarios = new Map<string, Answer[]>();
const received: Received[] = [];
let server: http.Server;
let base: string;

beforeAll(async () => {
	server = http.createServer((req, res) => {
		let data = '';
		req.on('data', (chunk) => (data += chunk));
		req.on('end', () => {
			const url = new URL(req.url ?? '/', 'http://x');
			const scenario = url.pathname.split('/')[2] ?? '';
			received.push({ path: url.pathname + url.search, body: JSON.parse(data || '{}'), at: Date.now() });
			const answers = scenarios.get(scenario) ?? [{ status: 404, body: { code: 404, message: 'not found' } }];
			const answer = answers.length > 1 ? answers.shift()! : answers[0];
			res.writeHead(answer.status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(answer.body));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook-waiting`;
});

afterAll(async () => {
	await new Promise((resolve) => server.close(resolve));
});

const running = { status: 409, body: { code: 409, message: 'The execution "7" is running already.' } };
const finished = { status: 409, body: { code: 409, message: 'The execution "7 has finished already.' } };
const finishedWithError = { status: 409, body: { code: 409, message: 'The execution "7" has finished with error.' } };
const resumed = { status: 200, body: { journeys: { outcome: 'resumed' } } };
const notMatched = { status: 202, body: { journeys: { outcome: 'not_matched', message: 'x' } } };
const claimedByOther = { status: 409, body: { journeys: { outcome: 'claimed_by_other', message: 'x' } } };

let counter = 0;
function setup(answers: Answer[], overrides: Partial<WaitRegistration> = {}) {
	const scenario = `s${++counter}`;
	scenarios.set(scenario, [...answers]);
	const now = Date.now();
	const registration: WaitRegistration = {
		waitId: `${scenario}:node`,
		token: `token-${scenario}`,
		contactId: `contact-${scenario}`,
		executionId: scenario,
		nodeId: 'node',
		match: { names: ['purchase'], sinceMs: now - 60_000 },
		snapshot: { contactId: `contact-${scenario}` },
		resumeUrl: `${base}/${scenario}/node?signature=tok`,
		expiresAt: now + 3_600_000,
		createdAt: now,
		...overrides,
	};
	const event: ContactEvent = { id: `e-${scenario}`, contactId: registration.contactId, name: 'purchase', properties: {}, occurredAt: now };
	return { scenario, registration, event, ref: { contactId: registration.contactId, waitId: registration.waitId } };
}

const fast = { retryBaseMs: 20, retryBudgetMs: 2000 };

describe('classifying n8n answers', () => {
	it('maps statuses and bodies to outcomes', () => {
		expect(classify(200, JSON.stringify(resumed.body))).toBe('resumed');
		expect(classify(200, '')).toBe('resumed');
		expect(classify(202, JSON.stringify(notMatched.body))).toBe('not_matched');
		expect(classify(404, '{"code":404}')).toBe('gone');
		expect(classify(409, JSON.stringify(running.body))).toBe('retry');
		expect(classify(409, JSON.stringify(finished.body))).toBe('gone');
		expect(classify(409, JSON.stringify(finishedWithError.body))).toBe('gone');
		expect(classify(409, JSON.stringify(claimedByOther.body))).toBe('claimed_by_other');
		expect(classify(401, '{"error":"Invalid token"}')).toBe('stale');
		expect(classify(500, '{"message":"There was a problem executing the workflow"}')).toBe('retry');
		expect(classify(503, '')).toBe('retry');
	});
});

describe('the resumer against a local HTTP server', () => {
	it('posts the token and the event to the resume URL (path before the query)', async () => {
		const { registration, event, scenario } = setup([resumed]);
		const result = await postResume(registration, event, fast);
		expect(result).toMatchObject({ outcome: 'resumed', status: 200, attempts: 1 });
		const hit = received.filter((r) => r.path.startsWith(`/webhook-waiting/${scenario}/`));
		expect(hit).toHaveLength(1);
		expect(hit[0].path).toBe(`/webhook-waiting/${scenario}/node?signature=tok`);
		expect(hit[0].body).toEqual({ journeysResume: 1, token: registration.token, event });
	});

	it('retries 409 running with growing backoff until it resumes, then removes the registration', async () => {
		const store = new MemoryStore();
		const { registration, event, scenario, ref } = setup([running, running, running, resumed]);
		await store.waits.register([registration], { graceSeconds: 60 });
		const attempt = await resumeOne(store, registration, event, fast);
		expect(attempt).toMatchObject({ outcome: 'resumed', attempts: 4, status: 200 });
		const times = received.filter((r) => r.path.includes(`/${scenario}/`)).map((r) => r.at);
		const gaps = times.slice(1).map((t, i) => t - times[i]);
		// lower bounds only: a busy machine makes gaps longer, never shorter than the backoff (20, 40, 80 ms;
		// 1 ms for timer rounding)
		expect(gaps).toHaveLength(3);
		gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(fast.retryBaseMs * 2 ** i - 1));
		expect(await store.waits.get([ref])).toEqual([undefined]);
	});

	it('retries a 500 (n8n lost its compare-and-set race) and a refused connection', async () => {
		const { registration, event } = setup([{ status: 500, body: { message: 'There was a problem executing the workflow' } }, finished]);
		expect(await postResume(registration, event, fast)).toMatchObject({ outcome: 'gone', attempts: 2 });
		const refused = { ...registration, resumeUrl: 'http://127.0.0.1:1/webhook-waiting/1/node' };
		const result = await postResume(refused, event, { retryBaseMs: 20, retryBudgetMs: 150 });
		expect(result.outcome).toBe('gave_up');
		expect(result.attempts).toBeGreaterThan(1);
	});

	it('removes the registration on 404 and 409 finished', async () => {
		const store = new MemoryStore();
		for (const answer of [{ status: 404, body: { code: 404 } }, finished, finishedWithError]) {
			const { registration, event, ref } = setup([answer]);
			await store.waits.register([registration], { graceSeconds: 60 });
			expect((await resumeOne(store, registration, event, fast)).outcome).toBe('gone');
			expect(await store.waits.get([ref])).toEqual([undefined]);
		}
	});

	it('removes and logs on 401 (stale URL); keeps on 202 and on claimed by another event', async () => {
		const store = new MemoryStore();
		const logger = memoryLogger();
		const stale = setup([{ status: 401, body: { error: 'Invalid token' } }]);
		await store.waits.register([stale.registration], { graceSeconds: 60 });
		expect((await resumeOne(store, stale.registration, stale.event, { ...fast, logger })).outcome).toBe('stale');
		expect(await store.waits.get([stale.ref])).toEqual([undefined]);
		const warning = logger.lines.find((l) => l.level === 'warn');
		expect(warning?.message).toMatch(/401/);
		expect(warning?.meta).toMatchObject({ waitId: stale.registration.waitId, executionId: stale.registration.executionId });
		expect(JSON.stringify(logger.lines)).not.toContain(stale.registration.contactId);

		for (const answer of [notMatched, claimedByOther]) {
			const kept = setup([answer]);
			await store.waits.register([kept.registration], { graceSeconds: 60 });
			await resumeOne(store, kept.registration, kept.event, fast);
			expect((await store.waits.get([kept.ref]))[0]?.waitId).toBe(kept.registration.waitId);
		}
	});

	it('gives up on a wait still running after the retry budget, keeps it and logs', async () => {
		const store = new MemoryStore();
		const logger = memoryLogger();
		const { registration, event, ref } = setup([running]);
		await store.waits.register([registration], { graceSeconds: 60 });
		const attempt = await resumeOne(store, registration, event, { retryBaseMs: 20, retryBudgetMs: 200, logger });
		expect(attempt.outcome).toBe('gave_up');
		expect((await store.waits.get([ref]))[0]).toBeDefined();
		expect(logger.lines.some((l) => l.level === 'warn' && /retry budget/.test(l.message))).toBe(true);
	});

	it('posts only to the waits an event matches, and gives a wait to its oldest matching event', async () => {
		const store = new MemoryStore();
		const cart = setup([resumed], { match: { names: ['purchase'], sinceMs: 0, correlation: { eventPath: 'cartId', value: 'c-1' } } });
		const otherCart = setup([resumed], {
			contactId: cart.registration.contactId,
			match: { names: ['purchase'], sinceMs: 0, correlation: { eventPath: 'cartId', value: 'c-2' } },
		});
		const otherName = setup([resumed], { contactId: cart.registration.contactId, match: { names: ['signup'], sinceMs: 0 } });
		await store.waits.register([cart.registration, otherCart.registration, otherName.registration], { graceSeconds: 60 });
		const contactId = cart.registration.contactId;
		const now = Date.now();
		const events: ContactEvent[] = [
			{ id: 'newer', contactId, name: 'purchase', properties: { cartId: 'c-1' }, occurredAt: now },
			{ id: 'older', contactId, name: 'purchase', properties: { cartId: 'c-1' }, occurredAt: now - 10 },
			{ id: 'another-cart', contactId, name: 'purchase', properties: { cartId: 'c-3' }, occurredAt: now },
		];
		const attempts = await resumeWaits(store, events, fast);
		expect(attempts.map((a) => [a.waitId, a.eventId, a.outcome])).toEqual([[cart.registration.waitId, 'older', 'resumed']]);
		expect(received.filter((r) => r.path.includes(`/${cart.scenario}/`)).map((r) => r.body.event.id)).toEqual(['older']);
		expect(received.some((r) => r.path.includes(`/${otherCart.scenario}/`) || r.path.includes(`/${otherName.scenario}/`))).toBe(false);
	});

	it('copies of one event delivered at once post one resume; the others skip it without error-level logs', async () => {
		const store = new MemoryStore();
		const { registration, event, scenario, ref } = setup([resumed]);
		await store.waits.register([registration], { graceSeconds: 60 });
		const logger = memoryLogger();
		const copies = await Promise.all(Array.from({ length: 10 }, () => ingestEvents(store, [event], { resumeOptions: { ...fast, logger } })));
		expect(received.filter((r) => r.path.includes(`/${scenario}/`))).toHaveLength(1);
		expect(copies.reduce((sum, [result]) => sum + result.resumed, 0)).toBe(1);
		const skipped = copies.flatMap(([result]) => result.attempts).filter((a) => a.outcome !== 'resumed');
		expect(skipped).toHaveLength(9);
		// skipped while the first copy's resume was under way (or, once it finished, nothing left to resume)
		expect(skipped.every((a) => (a.outcome === 'in_progress' || a.outcome === 'gone') && a.attempts === 0)).toBe(true);
		expect(logger.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
		expect(await store.waits.get([ref])).toEqual([undefined]);
	});

	it('keeps two contacts\' events that share an event id apart', async () => {
		const store = new MemoryStore();
		const alice = setup([resumed]);
		const bob = setup([resumed]);
		await store.waits.register([alice.registration, bob.registration], { graceSeconds: 60 });
		const now = Date.now();
		const shared = 'order-1';
		const events: ContactEvent[] = [
			{ id: shared, contactId: alice.registration.contactId, name: 'purchase', properties: {}, occurredAt: now },
			{ id: shared, contactId: bob.registration.contactId, name: 'purchase', properties: {}, occurredAt: now },
			{ id: shared, contactId: 'carol-without-a-wait', name: 'purchase', properties: {}, occurredAt: now },
		];
		const results = await ingestEvents(store, events, { resumeOptions: fast });
		expect(results.map((r) => r.resumed)).toEqual([1, 1, 0]);
		expect(results.map((r) => r.attempts.map((a) => a.waitId))).toEqual([[alice.registration.waitId], [bob.registration.waitId], []]);
		expect(results[0].attempts[0].contactId).toBe(alice.registration.contactId);
	});

	it('posts again for a wait its event claimed longer ago than one resume may take (the process died mid-resume)', async () => {
		const store = new MemoryStore();
		const { registration, event, scenario, ref } = setup([resumed]);
		await store.waits.register([registration], { graceSeconds: 60 });
		const lease = { requestTimeoutMs: 100, retryBudgetMs: 100, retryBaseMs: 20 };
		// the first delivery claimed the wait, then died before n8n answered
		expect(await store.waits.claim({ ...ref, token: registration.token }, event.id)).toMatchObject({ status: 'claimed', fresh: true });
		const [soon] = await ingestEvents(store, [event], { resumeOptions: lease });
		expect(soon.attempts.map((a) => a.outcome)).toEqual(['in_progress']);
		expect(received.filter((r) => r.path.includes(`/${scenario}/`))).toHaveLength(0);
		await new Promise((resolve) => setTimeout(resolve, 250));
		const [later] = await ingestEvents(store, [event], { resumeOptions: lease });
		expect(later).toMatchObject({ resumed: 1 });
		expect(received.filter((r) => r.path.includes(`/${scenario}/`))).toHaveLength(1);
		// another event never takes a claimed wait
		const other = { ...event, id: 'another-event' };
		await store.waits.register([registration], { graceSeconds: 60 });
		await store.waits.claim({ ...ref, token: registration.token }, event.id);
		expect((await ingestEvents(store, [other], { resumeOptions: lease }))[0].attempts).toEqual([]);
	});

	it('a retried event resumes the wait its first delivery recorded but never resumed (process died), and only once', async () => {
		const store = new MemoryStore();
		const { registration, event, scenario, ref } = setup([resumed, finished]);
		await store.waits.register([registration], { graceSeconds: 60 });
		// the first delivery recorded the event, then n8n died before resuming anything
		await store.events.record([event], { historyLimit: 10, ttlSeconds: 60 });
		const posts = () => received.filter((r) => r.path.includes(`/${scenario}/`)).length;
		expect(posts()).toBe(0);

		const [retry] = await ingestEvents(store, [event, event], { resumeOptions: fast });
		expect(retry).toMatchObject({ recorded: false, resumed: 1 });
		expect(posts()).toBe(1);
		expect(await store.waits.get([ref])).toEqual([undefined]);

		// a later copy finds no registration left: nothing is posted again
		const [again] = await ingestEvents(store, [event], { resumeOptions: fast });
		expect(again).toMatchObject({ recorded: false, resumed: 0, attempts: [] });
		expect(posts()).toBe(1);
	});
});
