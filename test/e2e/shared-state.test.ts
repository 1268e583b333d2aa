/**
 * The in-memory store is one instance per n8n process, shared by every node of
 * the package (one bundled lib). A Journey Event node records an event and a Segment Filter in
 * the same workflow — and in another workflow — reads it back through an eventCount condition.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyAsItemNode, journeyEventNode, noOpNode, PKG, webhookNode, workflow, type Json } from '../unit/events/workflows';
import { api, outputTakenBy, postToWebhook, printN8nLogOnFailure, waitForExecutions } from './helpers';

printN8nLogOnFailure();

const MATCHED = 0;
const NOT_MATCHED = 1;
const PURCHASED_IN_30_DAYS = JSON.stringify({
	all: [{ fact: 'eventCount', params: { event: 'purchase', within: '30d' }, operator: 'greaterThanInclusive', value: 1 }],
});

function segmentFilterNode(name: string): Json {
	return {
		id: randomUUID(),
		name,
		type: `${PKG}.segmentFilter`,
		typeVersion: 1,
		position: [660, 0],
		parameters: { mode: 'rules', rulesJson: PURCHASED_IN_30_DAYS, contactId: '={{ $json.contactId }}', store: 'memory' },
	};
}

async function importActive(wf: Json): Promise<string> {
	const [imported] = await api().importWorkflows([wf], { activate: true });
	return imported.id;
}

describe('shared in-memory store in one n8n process', () => {
	it('a Segment Filter reads the event a Journey Event node recorded, in the same and in another workflow', async () => {
		const suffix = randomUUID().slice(0, 8);
		const recordAndSegment = await importActive(
			workflow(
				`e2e shared state record ${suffix}`,
				[
					webhookNode('In', `shared-${suffix}`),
					bodyAsItemNode('Contact'),
					journeyEventNode('Journey Event', {
						store: 'memory',
						eventId: '={{ $json.eventId }}',
						contactId: '={{ $json.contactId }}',
						eventName: '={{ $json.eventName }}',
						properties: '={{ {} }}',
						occurredAt: '',
					}),
					segmentFilterNode('Segment Filter'),
					noOpNode('Matched'),
					noOpNode('Not Matched'),
				],
				[
					['In', 0, 'Contact'],
					['Contact', 0, 'Journey Event'],
					['Journey Event', 0, 'Segment Filter'],
					['Segment Filter', 0, 'Matched'],
					['Segment Filter', 1, 'Not Matched'],
				],
			),
		);
		const segmentOnly = await importActive(
			workflow(
				`e2e shared state segment ${suffix}`,
				[webhookNode('In', `segment-${suffix}`), bodyAsItemNode('Contact'), segmentFilterNode('Segment Filter'), noOpNode('Matched'), noOpNode('Not Matched')],
				[
					['In', 0, 'Contact'],
					['Contact', 0, 'Segment Filter'],
					['Segment Filter', 0, 'Matched'],
					['Segment Filter', 1, 'Not Matched'],
				],
			),
		);

		const buyer = `buyer-${suffix}`;
		const browser = `browser-${suffix}`;
		await postToWebhook(`shared-${suffix}`, { contactId: buyer, eventId: `order-${suffix}`, eventName: 'purchase' });
		await postToWebhook(`shared-${suffix}`, { contactId: browser, eventId: `view-${suffix}`, eventName: 'page_view' });
		const recorded = await waitForExecutions(recordAndSegment, 2);
		expect(recorded.map((e) => e.status)).toEqual(['success', 'success']);
		expect(outputTakenBy(recorded, 'Segment Filter')).toEqual({ [buyer]: MATCHED, [browser]: NOT_MATCHED });

		await postToWebhook(`segment-${suffix}`, { contactId: buyer });
		await postToWebhook(`segment-${suffix}`, { contactId: browser });
		await postToWebhook(`segment-${suffix}`, { contactId: `stranger-${suffix}` });
		const segmented = await waitForExecutions(segmentOnly, 3);
		expect(outputTakenBy(segmented, 'Segment Filter')).toEqual({
			[buyer]: MATCHED,
			[browser]: NOT_MATCHED,
			[`stranger-${suffix}`]: NOT_MATCHED,
		});
	});
});
