/**
 * Lead Score in a real n8n 2.41: signed events through the Journey Event Trigger raise one
 * contact's score on the Redis store, execution by execution, until the contact leaves on
 * Qualified — once; the events after that leave on Not Qualified with the score still rising.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyEventTriggerNode, noOpNode, prepare, send, storeParameters, workflow, PKG, type Json, type Setup } from '../unit/events/workflows';
import { api, n8nContext, outputItems, printN8nLogOnFailure, waitForExecutions } from './helpers';

printN8nLogOnFailure();

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);
const tag = randomUUID().slice(0, 8);
let setup: Setup;

const model = {
	name: 'e2e',
	description: 'ten points a pricing view, qualified at thirty',
	groups: { fit: { label: 'Fit' }, engagement: { label: 'Engagement', decay: { kind: 'halfLife', days: 30 } } },
	thresholds: [{ name: 'marketing-qualified', score: 30 }],
	rules: [
		{
			name: 'viewed-pricing',
			conditions: { all: [{ fact: 'event.name', operator: 'equal', value: 'page_viewed' }, { fact: 'event.properties.path', operator: 'startsWith', value: '/pricing' }] },
			event: { type: 'score', params: { group: 'engagement', points: 10 } },
		},
	],
};

function scoringWorkflow(path: string): Json {
	const s = storeParameters(setup.redis);
	const leadScore = {
		id: randomUUID(),
		name: 'Lead Score',
		type: `${PKG}.leadScore`,
		typeVersion: 1,
		position: [400, 0],
		parameters: { operation: 'score', modelSource: 'json', modelJson: JSON.stringify(model), contactId: '={{ $json.contactId }}', ...s.parameters },
		credentials: s.credentials,
	};
	return workflow(
		`e2e lead score ${tag}`,
		[journeyEventTriggerNode('Journey Event Trigger', path, setup.signing, setup.redis), leadScore, noOpNode('Qualified Branch'), noOpNode('Not Qualified Branch')],
		[
			['Journey Event Trigger', 0, 'Lead Score'],
			['Lead Score', 0, 'Qualified Branch'],
			['Lead Score', 1, 'Not Qualified Branch'],
		],
	);
}

beforeAll(async () => {
	setup = await prepare(n8nContext().url, api(), tag);
});

afterAll(async () => {
	const found = await redis.keys(`e2e-${tag}:*`);
	if (found.length) await redis.del(...found);
	redis.disconnect();
});

describe('Lead Score in n8n', () => {
	it('events through the Journey Event Trigger raise a contact\'s score until it leaves on Qualified, once', async () => {
		const path = `score-${tag}`;
		const [imported] = await api().importWorkflows([scoringWorkflow(path)], { activate: true });
		const contactId = `lead-${randomUUID()}@example.com`;
		const EVENTS = 5;
		for (let i = 0; i < EVENTS; i++) {
			const answer = await send({ url: setup.url, eventsPath: path }, { id: `view-${tag}-${i}`, contactId, name: 'page_viewed', properties: { path: '/pricing' }, occurredAt: new Date().toISOString() });
			expect(answer.recorded).toBe(1);
		}
		const executions = await waitForExecutions(imported.id, EVENTS, 120_000);
		const steps = executions.map((execution) => {
			const [qualified, notQualified] = outputItems(execution, 'Lead Score');
			const items = [...(qualified ?? []), ...(notQualified ?? [])];
			expect(items).toHaveLength(1);
			return { qualified: (qualified ?? []).length === 1, score: items[0].leadScore };
		});
		// executions may finish out of order: order them by the score they saw
		steps.sort((a, b) => a.score.total - b.score.total);
		expect(steps.map((s) => s.score.total)).toEqual([10, 20, 30, 40, 50]);
		expect(steps.map((s) => s.qualified)).toEqual([false, false, true, false, false]);
		expect(steps[2].score).toMatchObject({ crossed: ['marketing-qualified'], delta: 10, rules: [{ name: 'viewed-pricing', points: 10, group: 'engagement' }] });
	});
});
