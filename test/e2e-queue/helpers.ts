/**
 * What the queue-mode tests share on top of ../e2e/helpers.ts (which reaches the main through
 * the same inject keys): the workers' logs, executions read back once they finished, a store
 * credential on a fresh namespace, and cleaning that namespace.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { inParallel, sleep, type Execution } from '../../scripts/n8n/index.mjs';
import { api } from '../e2e/helpers';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A Redis client for a test file; fails with how to start Redis. */
export async function connectRedis(): Promise<Redis> {
	const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
	await redis.connect().catch((error: Error) => {
		throw new Error(`Redis is not reachable at ${REDIS_URL} (${error.message}): start Redis: redis-server --daemonize yes --port 6379`);
	});
	return redis;
}

/** Deletes every key of a store namespace. */
export async function deleteNamespace(redis: Redis, namespace: string): Promise<void> {
	let cursor = '0';
	do {
		const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
		if (keys.length) await redis.del(...keys);
		cursor = next;
	} while (cursor !== '0');
}

/** A Journey Store credential on a namespace of its own. */
export async function storeCredential(namespace: string): Promise<{ id: string; name: string }> {
	const credential = await api().ensureRedisCredential({
		redisUrl: REDIS_URL,
		name: `Journey store ${namespace}`,
		namespace,
		hashSecret: randomBytes(24).toString('base64url'),
		// two cores shared by three n8n processes: give Redis calls room
		extra: { commandTimeoutMs: 5000 },
	});
	if (!credential) throw new Error('n8n does not know the journeyStoreRedisApi credential type: is the package installed with its credentials?');
	return credential;
}

/**
 * Waits until the workflow has `count` executions in `statuses` (default: finished, i.e. not
 * new/running/waiting), polling without data, then reads them once with data, oldest first.
 */
export async function finishedExecutions(
	workflowId: string,
	count: number,
	options: { timeoutMs?: number; statuses?: string[]; /** read only the newest this many (≤ 250) */ newest?: number } = {},
): Promise<Execution[]> {
	const statuses = options.statuses ?? ['success', 'error', 'crashed', 'canceled'];
	await api().waitForExecutions({ workflowId, count, statuses, timeoutMs: options.timeoutMs ?? 180_000, includeData: false, intervalMs: 1000 });
	const all = await api().listExecutions({ workflowId, includeData: true, limit: options.newest });
	return all.filter((e) => statuses.includes(e.status)).sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * Waits until each of these executions is in one of `statuses`, reading them one by one (GET
 * /executions/{id}), then returns them with data, in the order given. In queue mode n8n 2.41's
 * main sometimes keeps a resumed execution in its list of running ones for minutes after a
 * worker finished it, and GET /executions (the list) leaves those out; reading by id does not.
 */
export async function executionsById(ids: string[], options: { timeoutMs?: number; statuses?: string[] } = {}): Promise<Execution[]> {
	const statuses = options.statuses ?? ['success', 'error', 'crashed', 'canceled'];
	const deadline = Date.now() + (options.timeoutMs ?? 180_000);
	const pending = new Set(ids);
	while (pending.size) {
		const states = await inParallel([...pending], 10, async (id) => [id, (await api().getExecution(id, { includeData: false })).status] as const);
		for (const [id, status] of states) if (statuses.includes(status)) pending.delete(id);
		if (!pending.size) break;
		if (Date.now() > deadline) throw new Error(`executions ${states.filter(([id]) => pending.has(id)).map(([id, status]) => `${id}:${status}`).join(', ')} not in ${statuses.join('/')} within ${(options.timeoutMs ?? 180_000) / 1000} s`);
		await sleep(1000);
	}
	return inParallel(ids, 10, (id) => api().getExecution(id, { includeData: true }));
}

/**
 * The ids of a workflow's executions once `count` have been seen, whatever their status. Call it
 * while they wait: the list shows waiting executions, but may leave out a continued one the main
 * still counts as running (see executionsById), so every id seen in any poll counts.
 */
export async function executionIds(workflowId: string, count: number, timeoutMs = 180_000): Promise<string[]> {
	const deadline = Date.now() + timeoutMs;
	const seen = new Set<string>();
	for (;;) {
		const lists = await Promise.all([api().listExecutions({ workflowId }), api().listExecutions({ workflowId, status: 'waiting' }), api().listExecutions({ workflowId, status: 'running' })]);
		for (const e of lists.flat()) seen.add(String(e.id));
		const ids = [...seen];
		if (ids.length >= count) return ids.sort((a, b) => Number(a) - Number(b));
		if (Date.now() > deadline) throw new Error(`workflow ${workflowId} has ${ids.length} of ${count} executions after ${timeoutMs / 1000} s`);
		await sleep(500);
	}
}

/** Which worker (1-based) ran each execution, from the workers' "Worker started execution <id>" log lines. */
export function workersByExecution(): Map<string, number[]> {
	const byExecution = new Map<string, number[]>();
	inject('queueWorkerLogs').forEach((file, i) => {
		for (const match of readFileSync(file, 'utf8').matchAll(/Worker started execution (\d+)/g)) {
			byExecution.set(match[1], [...(byExecution.get(match[1]) ?? []), i + 1]);
		}
	});
	return byExecution;
}

/** The workers (1-based) that ran any of these executions. */
export function workersThatRan(executions: Array<{ id: string }>): number[] {
	const byExecution = workersByExecution();
	return [...new Set(executions.flatMap((e) => byExecution.get(String(e.id)) ?? []))].sort();
}

/** A Journey Event Signing credential (what the webhook channel signs with). */
export async function signingCredential(tag: string): Promise<{ id: string; name: string }> {
	const created = await api().createCredential({
		name: `Journey signing ${tag}`,
		type: 'journeyEventSigningApi',
		data: { secret: `whsec_${randomBytes(32).toString('base64')}`, previousSecret: '' },
	});
	return { id: created.id, name: created.name };
}

