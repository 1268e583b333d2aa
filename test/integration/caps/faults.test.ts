/**
 * Store-down policy against a redis-server of the test's own (its own free port): killed,
 * paused (CLIENT PAUSE), slowed (DEBUG SLEEP). The node must follow its policy within the
 * decision timeout + 100 ms, never report "allowed" for a call that timed out under fail
 * closed, and decide normally again within 2 s of Redis being back.
 */
import { NodeOperationError } from 'n8n-workflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisPool } from '../../../lib/store/redis/connection';
import { fromItem, runCap } from '../../unit/frequency-cap/context';
import { adminClient, sleep, ThrowawayRedis, uniqueNamespace } from '../helpers/redis';

const TIMEOUT_MS = 300;
const SLACK_MS = 100;
const RECOVERY_MS = 2000;

let server: ThrowawayRedis;
const namespace = uniqueNamespace('faults');

beforeAll(async () => {
	server = await ThrowawayRedis.start();
});
const observed = { decisionMs: [] as number[], recoveryMs: [] as number[] };
afterAll(async () => {
	const max = (xs: number[]) => Math.round(Math.max(0, ...xs));
	console.log(`fault policy: slowest decision under a fault ${max(observed.decisionMs)} ms (timeout ${TIMEOUT_MS}); slowest recovery ${max(observed.recoveryMs)} ms`);
	await closeRedisPool();
	await server?.stop();
});

const credentials = (): Record<string, unknown> => ({ ...server.config(namespace, TIMEOUT_MS) });

let seq = 0;
/** One execution of the node with `n` items for fresh contacts (cap 3 per hour). */
async function decide(policy: 'failClosed' | 'failOpen' | 'error' = 'failClosed', n = 20) {
	const run = ++seq;
	const items = Array.from({ length: n }, (_, i) => ({ contactId: `fault-${run}-${i}@example.com`, channel: 'email' }));
	const started = performance.now();
	try {
		const [allowed, capped] = await runCap({
			items,
			credentials: credentials(),
			executionId: `exec-${run}`,
			parameters: {
				operation: 'checkAndReserve',
				contactId: fromItem('contactId'),
				channel: fromItem('channel'),
				caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 3, window: 'rolling', amount: 1, unit: 'hours' }] },
				store: 'redis',
				options: { onStoreUnavailable: policy, decisionTimeoutMs: TIMEOUT_MS },
			},
		});
		return { allowed, capped, error: undefined, ms: performance.now() - started };
	} catch (error) {
		return { allowed: [], capped: [], error: error as Error, ms: performance.now() - started };
	}
}

const reasons = (items: Array<{ json: Record<string, unknown> }>) => items.map((i) => (i.json.frequencyCap as { reason: string }).reason);

/** Polls until a fail-closed decision is a normal one; returns ms until then. */
async function recovery(since: number): Promise<number> {
	for (;;) {
		const r = await decide('failClosed', 5);
		if (r.allowed.length === 5) {
			observed.recoveryMs.push(performance.now() - since);
			return performance.now() - since;
		}
		// while recovering, a timed-out call is never allowed
		expect(r.allowed).toEqual([]);
		if (performance.now() - since > RECOVERY_MS + 3000) return performance.now() - since;
		await sleep(50);
	}
}

function expectPolicyOutcome(r: Awaited<ReturnType<typeof decide>>, policy: 'failClosed' | 'failOpen' | 'error') {
	observed.decisionMs.push(r.ms);
	expect(r.ms).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
	if (policy === 'failClosed') {
		expect(r.error).toBeUndefined();
		expect(r.allowed).toEqual([]);
		expect(reasons(r.capped)).toEqual(Array(20).fill('store_unavailable'));
	} else if (policy === 'failOpen') {
		expect(r.error).toBeUndefined();
		expect(r.capped).toEqual([]);
		expect(reasons(r.allowed)).toEqual(Array(20).fill('store_unavailable'));
	} else {
		expect(r.error).toBeInstanceOf(NodeOperationError);
		expect(r.error!.message).toMatch(/store is unavailable/);
	}
}

describe('Frequency Cap when Redis fails (own redis-server)', () => {
	it('decides normally while Redis is up', async () => {
		const r = await decide();
		expect(r.error).toBeUndefined();
		expect(reasons(r.allowed)).toEqual(Array(20).fill('within_limits'));
	});

	it('killed: every policy within timeout + 100 ms; recovers within 2 s of a restart', async () => {
		await decide(); // connected and scripts loaded before the kill
		await server.kill();
		for (const policy of ['failClosed', 'failOpen', 'error'] as const) expectPolicyOutcome(await decide(policy), policy);
		// still down a while later (reconnect attempts in between): same answer, same bound
		await sleep(700);
		expectPolicyOutcome(await decide('failClosed'), 'failClosed');
		await server.launch();
		const back = performance.now();
		expect(await recovery(back)).toBeLessThanOrEqual(RECOVERY_MS);
	});

	it('paused (CLIENT PAUSE): policy within timeout + 100 ms, never allowed; recovers within 2 s', async () => {
		await decide();
		const admin = adminClient(server.port, '127.0.0.1');
		try {
			await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
			const pausedAt = performance.now();
			for (const policy of ['failClosed', 'failOpen', 'error'] as const) expectPolicyOutcome(await decide(policy), policy);
			await sleep(Math.max(0, 1500 - (performance.now() - pausedAt)));
			expect(await recovery(performance.now())).toBeLessThanOrEqual(RECOVERY_MS);
		} finally {
			await admin.quit();
		}
	});

	it('slowed (DEBUG SLEEP blocks the server): policy within timeout + 100 ms; a short stall within the timeout still decides', async () => {
		await decide();
		const admin = adminClient(server.port, '127.0.0.1');
		try {
			const slow = admin.call('DEBUG', 'SLEEP', '1.2');
			await sleep(20);
			const slept = performance.now();
			expectPolicyOutcome(await decide('failClosed'), 'failClosed');
			expectPolicyOutcome(await decide('failOpen'), 'failOpen');
			await slow;
			expect(await recovery(slept + 1200)).toBeLessThanOrEqual(RECOVERY_MS);

			// a stall shorter than the timeout is waited out, not failed
			const short = admin.call('DEBUG', 'SLEEP', '0.1');
			await sleep(10);
			const r = await decide('failClosed');
			await short;
			expect(r.error).toBeUndefined();
			expect(reasons(r.allowed)).toEqual(Array(20).fill('within_limits'));
		} finally {
			await admin.quit();
		}
	});

	it('slowed by a long-running script of another client: policy within timeout + 100 ms', async () => {
		await decide();
		const admin = adminClient(server.port, '127.0.0.1');
		try {
			// a busy Lua loop of ~800 ms (below lua-time-limit, so Redis just stalls)
			const busy = admin.eval(
				"local t = redis.call('TIME'); local s = t[1] * 1000000 + t[2]; repeat local n = redis.call('TIME'); until n[1] * 1000000 + n[2] - s > 800000; return 1",
				0,
			);
			await sleep(20);
			const started = performance.now();
			expectPolicyOutcome(await decide('failClosed'), 'failClosed');
			await busy;
			expect(await recovery(started + 800)).toBeLessThanOrEqual(RECOVERY_MS);
		} finally {
			await admin.quit();
		}
	});
});
