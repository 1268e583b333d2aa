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
