/**
 * Lead Score in a real n8n 2.41: signed events through the Journey Event Trigger raise one
 * contact's score on the Redis store, execution by execution, until the contact leaves on
 * Qualified — once; the events after that leave on Not Qualified with the score still rising.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyAsItemNode, journeyEventTriggerNode, noOpNode, prepare, send, storeParameters, webhookNode, workflow, PKG, type Json, type Setup } from '../unit/events/workflows';
import { api, n8nContext, outputItems, postToWebhook, printN8nLogOnFailure, waitForExecutions } from './helpers';

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

function leadScoreNode(parameters: Json, redis = true): Json {
	const s = storeParameters(redis ? setup.redis : undefined);
	return {
		id: randomUUID(),
		name: 'Lead Score',
		type: `${PKG}.leadScore`,
		typeVersion: 1,
		position: [400, 0],
		parameters: { operation: 'score', contactId: '={{ $json.contactId }}', ...parameters, ...s.parameters },
		...(s.credentials ? { credentials: s.credentials } : {}),
	};
}

function scoringWorkflow(path: string): Json {
	return workflow(
		`e2e lead score ${tag}`,
		[
			journeyEventTriggerNode('Journey Event Trigger', path, setup.signing, setup.redis),
			leadScoreNode({ modelSource: 'json', modelJson: JSON.stringify(model) }),
			noOpNode('Qualified Branch'),
			noOpNode('Not Qualified Branch'),
		],
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

	it('builder rows as n8n stores them score a contact item with its event (in-memory store)', async () => {
		const path = `score-builder-${tag}`;
		const builder = {
			modelSource: 'builder',
			rules: {
				rule: [
					{ name: 'pro-plan', field: 'plan', operator: 'equal', value: 'pro', points: 15, group: 'fit', repeat: 'once' },
					{ name: 'pricing', field: 'event.properties.path', operator: 'startsWith', value: '/pricing', points: 10, group: 'engagement', repeat: 'every' },
				],
			},
			groups: { group: [{ group: 'engagement', cap: 100, decay: 'expiry', days: 30 }] },
			thresholds: { threshold: [{ name: 'marketing-qualified', score: 30, appliesTo: 'total' }] },
		};
		const [imported] = await api().importWorkflows(
			[
				workflow(
					`e2e lead score builder ${tag}`,
					[webhookNode('Start', path), bodyAsItemNode('Contact'), leadScoreNode(builder, false), noOpNode('Qualified Branch'), noOpNode('Not Qualified Branch')],
					[
						['Start', 0, 'Contact'],
						['Contact', 0, 'Lead Score'],
						['Lead Score', 0, 'Qualified Branch'],
						['Lead Score', 1, 'Not Qualified Branch'],
					],
				),
			],
			{ activate: true },
		);
		const contactId = `builder-${randomUUID()}`;
		for (let i = 0; i < 2; i++) {
			await postToWebhook(path, { contactId, plan: 'pro', event: { id: `b-${tag}-${i}`, name: 'page_viewed', properties: { path: '/pricing' }, occurredAt: new Date().toISOString() } });
			await waitForExecutions(imported.id, i + 1, 120_000);
		}
		const executions = await waitForExecutions(imported.id, 2, 120_000);
		const [first, second] = executions.map((execution) => outputItems(execution, 'Lead Score'));
		expect(first[0]).toEqual([]);
		expect(first[1][0].leadScore).toMatchObject({ total: 25, groups: { fit: 15, engagement: 10 }, grade: 'C3', rules: [{ name: 'pro-plan', points: 15, group: 'fit' }, { name: 'pricing', points: 10, group: 'engagement' }] });
		expect(second[0][0].leadScore).toMatchObject({ total: 35, delta: 10, crossed: ['marketing-qualified'], rules: [{ name: 'pricing', points: 10, group: 'engagement' }] });
	});
});
