/**
 * Frequency Cap exact across n8n's queue-mode workers: the journey step (webhook → Segment Filter
 * → Frequency Cap 3 per hour → Channel Send webhook) gets 200 concurrent posts for one contact;
 * the executions run on both workers at once, and exactly 3 leave the cap on Allowed and reach
 * the receiver. Five rounds, a fresh contact each.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttp, type HttpFixture } from '../integration/channel-send/servers';
import { importWorkflow, onlyWebhookPath, outputItems, postToWebhook, printN8nLogOnFailure } from '../e2e/helpers';
import { connectRedis, deleteNamespace, finishedExecutions, signingCredential, storeCredential, workersThatRan } from './helpers';
import { JOURNEY_STEP_NODES, journeyStepWorkflow, postedContact } from './journey-step';

printN8nLogOnFailure();

const POSTS = 200;
const CAP = 3;
const ROUNDS = 5;
const ALLOWED = 0;
const CAPPED = 1;

const namespace = `e2e-queue-cap-${randomUUID().slice(0, 8)}`;
let redis: Redis;
let receiver: HttpFixture;

beforeAll(async () => {
	redis = await connectRedis();
	receiver = await startHttp();
});

afterAll(async () => {
	await receiver?.close();
	if (redis) {
		await deleteNamespace(redis, namespace);
		redis.disconnect();
	}
});

describe('Frequency Cap on main + 2 workers', () => {
	it(`${POSTS} concurrent posts for one contact, cap ${CAP} → exactly ${CAP} Allowed and sent, ${ROUNDS} times`, async () => {
		const suffix = randomUUID().slice(0, 8);
		const imported = await importWorkflow(journeyStepWorkflow({ suffix, cap: CAP, receiverUrl: receiver.url, store: await storeCredential(namespace), signing: await signingCredential(namespace) }));
		const hook = onlyWebhookPath(imported);
		const ran: number[] = [];
		for (let round = 1; round <= ROUNDS; round++) {
			const contactId = `cap-${round}-${suffix}`;
			// the first post waits for the just-activated webhook; the rest go out together
			await postToWebhook(hook, postedContact(contactId, 0));
			await Promise.all(Array.from({ length: POSTS - 1 }, (_, i) => postToWebhook(hook, postedContact(contactId, i + 1))));

			// this round's executions are the newest POSTS
			const executions = await finishedExecutions(imported.id, round * POSTS, { timeoutMs: 300_000, newest: POSTS });
			expect(new Set(executions.map((e) => outputItems(e, 'Contact')[0][0].contactId))).toEqual(new Set([contactId]));
			expect(executions).toHaveLength(POSTS);
			expect(executions.filter((e) => e.status !== 'success').map((e) => `${e.id}: ${e.status} ${e.data?.resultData.error?.message ?? ''}`)).toEqual([]);
			const allowed = executions.flatMap((e) => outputItems(e, JOURNEY_STEP_NODES.cap)[ALLOWED] ?? []);
			const capped = executions.flatMap((e) => outputItems(e, JOURNEY_STEP_NODES.cap)[CAPPED] ?? []);
			expect(allowed, `round ${round}`).toHaveLength(CAP);
			expect(capped, `round ${round}`).toHaveLength(POSTS - CAP);
			expect(allowed.map((j) => j.frequencyCap.count).sort()).toEqual([1, 2, 3]);
			// the allowed ones were sent, once each, and nothing else reached the receiver
			const sent = executions.flatMap((e) => (e.data?.resultData.runData[JOURNEY_STEP_NODES.send] ? outputItems(e, JOURNEY_STEP_NODES.send)[0] ?? [] : []));
			expect(sent.map((j) => j.send.key).sort()).toEqual(allowed.map((j) => j.messageKey).sort());
			const received = receiver.requests.filter((r) => String(r.headers['webhook-id']).startsWith(`${contactId}-`));
			expect(received.map((r) => r.headers['webhook-id']).sort()).toEqual(allowed.map((j) => j.messageKey).sort());
			ran.push(...workersThatRan(executions));
		}
		// the posts were spread over both workers (n8n logs "Worker started execution <id>")
		expect([...new Set(ran)].sort()).toEqual([1, 2]);
	});
});
