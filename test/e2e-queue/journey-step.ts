/**
 * One journey step as a marketer builds it, shared by the queue-mode tests and the queue bench:
 * a webhook posts a contact → Segment Filter (plan is pro) → Frequency Cap (check and reserve,
 * `cap` per hour, all channels) → Channel Send (webhook channel to `receiverUrl`, one message key
 * per post). Filtered-out contacts end on Not Matched, capped ones on Capped.
 */
import { randomUUID } from 'node:crypto';

export const JOURNEY_STEP_NODES = { segment: 'Segment Filter', cap: 'Frequency Cap', send: 'Channel Send' } as const;

type Json = Record<string, any>;

type CredentialRef = { id: string; name: string };

/** `signing`: the Journey Event Signing credential the webhook channel signs with. */
export function journeyStepWorkflow(options: { suffix: string; cap: number; receiverUrl: string; store: CredentialRef; signing: CredentialRef }): Json {
	const { suffix, cap, receiverUrl, store, signing } = options;
	const credentials = { journeyStoreRedisApi: { id: store.id, name: store.name } };
	const node = (name: string, type: string, typeVersion: number, x: number, parameters: Json, extra: Json = {}) => ({
		id: randomUUID(),
		name,
		type,
		typeVersion,
		position: [x, 0],
		parameters,
		...extra,
	});
	return {
		name: `journey step ${suffix}`,
		nodes: [
			node('Contact Posted', 'n8n-nodes-base.webhook', 2, 0, { httpMethod: 'POST', path: `journey-step-${suffix}`, responseMode: 'onReceived', options: {} }, { webhookId: randomUUID() }),
			node('Contact', 'n8n-nodes-base.set', 3.4, 220, { mode: 'raw', jsonOutput: '={{ JSON.stringify($json.body) }}', options: {} }),
			node(JOURNEY_STEP_NODES.segment, 'n8n-nodes-journeys.segmentFilter', 1, 440, {
				mode: 'rules',
				rulesJson: JSON.stringify({ all: [{ fact: 'plan', operator: 'equal', value: 'pro' }] }),
			}),
			node(
				JOURNEY_STEP_NODES.cap,
				'n8n-nodes-journeys.frequencyCap',
				1,
				660,
				{
					operation: 'checkAndReserve',
					contactId: '={{ $json.contactId }}',
					channel: 'webhook',
					campaign: '',
					tags: '',
					caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: cap, window: 'rolling', amount: 1, unit: 'hours' }] },
					store: 'redis',
					// a 2-core machine running three n8n processes can take seconds to answer: the test is
					// about exact counting, not the store-down policy, which a timeout would apply
					options: { decisionTimeoutMs: 30_000 },
				},
				{ credentials },
			),
			node(
				JOURNEY_STEP_NODES.send,
				'n8n-nodes-journeys.channelSend',
				1,
				880,
				{
					channel: 'webhook',
					messageType: 'transactional',
					contactId: '={{ $json.contactId }}',
					url: `${receiverUrl}/hook`,
					body: '={{ JSON.stringify({ contactId: $json.contactId, n: $json.n }) }}',
					store: 'redis',
					messageKey: '={{ $json.messageKey }}',
					options: { retries: 0 },
				},
				{ credentials: { ...credentials, journeyEventSigningApi: { id: signing.id, name: signing.name } } },
			),
			node('Not Matched', 'n8n-nodes-base.noOp', 1, 660, {}),
			node('Capped', 'n8n-nodes-base.noOp', 1, 880, {}),
		],
		connections: {
			'Contact Posted': { main: [[{ node: 'Contact', type: 'main', index: 0 }]] },
			Contact: { main: [[{ node: JOURNEY_STEP_NODES.segment, type: 'main', index: 0 }]] },
			[JOURNEY_STEP_NODES.segment]: { main: [[{ node: JOURNEY_STEP_NODES.cap, type: 'main', index: 0 }], [{ node: 'Not Matched', type: 'main', index: 0 }]] },
			[JOURNEY_STEP_NODES.cap]: { main: [[{ node: JOURNEY_STEP_NODES.send, type: 'main', index: 0 }], [{ node: 'Capped', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' },
	};
}

/** The contact a post carries: `n` makes its message key unique. */
export function postedContact(contactId: string, n: number, plan = 'pro'): Json {
	return { contactId, plan, n, messageKey: `${contactId}-${n}` };
}
