/**
 * Segment Filter in a real n8n: webhook trigger → one item per contact → Segment Filter (rules
 * JSON) → Matched / Not matched branches. Contacts are posted to the production webhook and the
 * route of each one is read back from /api/v1/executions?includeData=true.
 */
import { describe, expect, it } from 'vitest';
import {
	importWorkflow,
	isolated,
	loadFixture,
	onlyWebhookPath,
	outputItems,
	outputTakenBy,
	postToWebhook,
	printN8nLogOnFailure,
	waitForExecutions,
} from './helpers';

printN8nLogOnFailure();

const MATCHED = 0;
const NOT_MATCHED = 1;

// rule: plan = "pro" AND (country in [KR, JP] OR ltv >= 100)
const firstBatch = [
	{ contactId: 'c-kr-pro', plan: 'pro', country: 'KR', ltv: 10 },
	{ contactId: 'c-us-pro-big', plan: 'pro', country: 'US', ltv: 250 },
	{ contactId: 'c-us-pro-small', plan: 'pro', country: 'US', ltv: 5 },
	{ contactId: 'c-kr-free', plan: 'free', country: 'KR', ltv: 500 },
];
const secondBatch = [
	{ contactId: 'c-jp-pro-edge', plan: 'pro', country: 'JP', ltv: 0 },
	{ contactId: 'c-us-pro-exact', plan: 'pro', country: 'US', ltv: 100 },
	{ contactId: 'c-case', plan: 'Pro', country: 'KR', ltv: 900 },
	{ contactId: 'c-no-plan', country: 'JP', ltv: 900 },
];
const expected: Record<string, number> = {
	'c-kr-pro': MATCHED,
	'c-us-pro-big': MATCHED,
	'c-us-pro-small': NOT_MATCHED,
	'c-kr-free': NOT_MATCHED,
	'c-jp-pro-edge': MATCHED,
	'c-us-pro-exact': MATCHED,
	'c-case': NOT_MATCHED,
	'c-no-plan': NOT_MATCHED,
};

describe('Segment Filter in n8n (rules mode)', () => {
	it('routes each posted contact to Matched or Not matched', async () => {
		const workflow = isolated(loadFixture('segment-filter-rules.json'));
		const imported = await importWorkflow(workflow);
		const hook = onlyWebhookPath(imported);

		await postToWebhook(hook, firstBatch);
		await postToWebhook(hook, secondBatch);
		const executions = await waitForExecutions(imported.id, 2);

		expect(executions.map((e) => e.status)).toEqual(['success', 'success']);
		expect(outputTakenBy(executions, 'Segment Filter')).toEqual(expected);
		// the branches received exactly what the filter routed to them
		const [first] = executions;
		const [matched, notMatched] = outputItems(first, 'Segment Filter');
		expect(outputItems(first, 'Matched Branch')[0].map((j) => j.contactId)).toEqual(matched.map((j) => j.contactId));
		expect(outputItems(first, 'Not Matched Branch')[0].map((j) => j.contactId)).toEqual(
			notMatched.map((j) => j.contactId),
		);
		// the contact's own fields travel on unchanged
		expect(matched.find((j) => j.contactId === 'c-us-pro-big')).toMatchObject(firstBatch[1]);
	});
});

/** Webhook → one item per contact → the given Segment Filter node → two branches. */
function segmentWorkflow(name: string, segmentFilter: Record<string, unknown>) {
	const suffix = Math.random().toString(36).slice(2, 10);
	return {
		name: `${name} ${suffix}`,
		nodes: [
			{
				id: 'c0000000-0000-4000-8000-000000000001',
				name: 'Contacts In',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: `c0000000-0000-4000-8000-${suffix.padStart(12, '0').slice(-12)}`,
				parameters: { httpMethod: 'POST', path: `e2e-segment-${suffix}`, responseMode: 'onReceived', options: {} },
			},
			{
				id: 'c0000000-0000-4000-8000-000000000002',
				name: 'One Item per Contact',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [220, 0],
				parameters: { fieldToSplitOut: 'body', options: {} },
			},
			{ id: 'c0000000-0000-4000-8000-000000000003', name: 'Segment Filter', position: [440, 0], ...segmentFilter },
		],
		connections: {
			'Contacts In': { main: [[{ node: 'One Item per Contact', type: 'main', index: 0 }]] },
			'One Item per Contact': { main: [[{ node: 'Segment Filter', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	};
}

async function routes(workflow: Record<string, unknown>, contacts: unknown[]): Promise<Record<string, number>> {
	const imported = await importWorkflow(workflow);
	await postToWebhook(onlyWebhookPath(imported), contacts);
	const [execution] = await waitForExecutions(imported.id, 1);
	expect(execution.status).toBe('success');
	return outputTakenBy([execution], 'Segment Filter');
}

const people = [
	{ contactId: 'p-kr-pro', plan: 'pro', country: 'KR', ltv: 10 },
	{ contactId: 'p-us-pro-big', plan: 'pro', country: 'US', ltv: 250 },
	{ contactId: 'p-us-pro-small', plan: 'pro', country: 'US', ltv: 5 },
	{ contactId: 'p-kr-free', plan: 'free', country: 'KR', ltv: 500 },
	{ contactId: 'p-case', plan: 'PRO', country: 'JP', ltv: 0 },
];

describe('Segment Filter in n8n: both versions of the builder', () => {
	it('a workflow saved with version 1 (rows with group numbers) keeps its answers', async () => {
		const taken = await routes(
			segmentWorkflow('e2e: segment filter v1 builder', {
				type: 'n8n-nodes-journeys.segmentFilter',
				typeVersion: 1,
				parameters: {
					mode: 'builder',
					conditions: {
						condition: [
							{ field: 'plan', operator: 'equal', value: 'pro', group: 1 },
							{ field: 'country', operator: 'isIn', value: 'KR, JP', group: 1 },
							{ field: 'plan', operator: 'equal', value: 'pro', group: 2 },
							{ field: 'ltv', operator: 'greaterThanInclusive', value: '100', group: 2 },
						],
					},
				},
			}),
			people,
		);
		expect(taken).toEqual({ 'p-kr-pro': MATCHED, 'p-us-pro-big': MATCHED, 'p-us-pro-small': NOT_MATCHED, 'p-kr-free': NOT_MATCHED, 'p-case': NOT_MATCHED });
	});

	it('version 2 reads n8n\'s condition builder as n8n stores it (two groups, ignore case)', async () => {
		const cond = (id: string, field: string, type: string, operation: string, rightValue: unknown) => ({
			id,
			leftValue: `={{ $json.${field} }}`,
			rightValue,
			operator: { type, operation },
		});
		const filter = (conditions: unknown[]) => ({
			conditions: { options: { caseSensitive: false, leftValue: '', typeValidation: 'strict', version: 2 }, conditions, combinator: 'and' },
		});
		const taken = await routes(
			segmentWorkflow('e2e: segment filter v2 builder', {
				type: 'n8n-nodes-journeys.segmentFilter',
				typeVersion: 2,
				parameters: {
					mode: 'builder',
					conditionGroups: {
						group: [
							filter([cond('a', 'plan', 'string', 'equals', 'pro'), cond('b', 'country', 'string', 'notEquals', 'US')]),
							filter([cond('c', 'plan', 'string', 'equals', 'pro'), cond('d', 'ltv', 'number', 'gte', 100)]),
						],
					},
					options: { ignoreCase: true },
				},
			}),
			people,
		);
		expect(taken).toEqual({ 'p-kr-pro': MATCHED, 'p-us-pro-big': MATCHED, 'p-us-pro-small': NOT_MATCHED, 'p-kr-free': NOT_MATCHED, 'p-case': MATCHED });
	});
});
