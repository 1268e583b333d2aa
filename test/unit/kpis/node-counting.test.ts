/**
 * Journey KPIs counted by each node's execute() (and the Trigger's conversions) on the process
 * memory store: outcomes per journey, step (node name), variant and day; items without a journey
 * context are not counted; Options → Count Journey KPIs off counts nothing; a retried entry or
 * score is not counted twice; a conversion event delivered twice converts the entry once.
 * (Wait Until Event: test/unit/events/wait-until-event.test.ts; Channel Send and a whole journey
 * in real n8n: test/e2e/journey-kpis.test.ts; Redis and 4 processes: test/integration/kpis.)
 */
import { randomUUID } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getMemoryStore, StoreUnavailableError } from '../../../lib';
import { signedHeaders } from '../../../lib/events/signature';
import { JourneyEntry } from '../../../nodes/JourneyEntry/JourneyEntry.node';
import { JourneyEventTrigger } from '../../../nodes/JourneyEventTrigger/JourneyEventTrigger.node';
import { LeadScore } from '../../../nodes/LeadScore/LeadScore.node';
import { SegmentFilterV1 } from '../../../nodes/SegmentFilter/SegmentFilterV1';
import { fakeWebhook } from '../events/helpers';
import { node as capNode, runCap } from '../frequency-cap/context';
import { executeContext, type ParameterValue } from '../helpers/executeContext';

const store = getMemoryStore();
const fromItem = (field: string) => (_: number, item: INodeExecutionData) => item.json[field];
const newJourney = () => `kpi-${randomUUID().slice(0, 8)}`;

/** The journey's counts today as { "variant|outcome": count } (every row's step is the node under test). */
async function countsOf(journey: string): Promise<Record<string, number>> {
	const day = store.kpis.today();
	const rows = await store.kpis.read({ journeys: [journey], fromDay: day, toDay: day });
	const out: Record<string, number> = {};
	for (const r of rows) out[`${r.step}|${r.variant}|${r.outcome}`] = r.count;
	return out;
}

const inJourney = (journey: string, contactId: string, variant?: string) => ({
	contactId,
	plan: 'pro',
	journey: { name: journey, entryId: `entry-${contactId}` },
	...(variant ? { experiment: { name: 'test', variant } } : {}),
});

async function runNode(node: { execute(this: never): Promise<INodeExecutionData[][]> }, items: Array<Record<string, unknown>>, parameters: Record<string, ParameterValue>) {
	return await (node.execute as (this: unknown) => Promise<INodeExecutionData[][]>).call(executeContext({ items, parameters, executionId: randomUUID() }));
}

afterEach(() => vi.restoreAllMocks());

const runCapIn = (ctx: ReturnType<typeof executeContext>) => capNode.execute.call(ctx);

/** Check and Reserve, one message per hour per contact */
const capParameters = {
	operation: 'checkAndReserve',
	contactId: fromItem('contactId'),
	channel: 'email',
	campaign: '',
	tags: [],
	timezone: '',
	messageKey: '',
	caps: { cap: [{ type: 'limit', scope: 'all', maxMessages: 1, window: 'rolling', amount: 1, unit: 'hours' }] },
	quietHours: false,
	bypass: false,
	store: 'memory',
	options: {},
};

describe('journey KPIs counted by the nodes', () => {
	it('Journey Entry: entered / not_entered per variant; a retry of the same entry is not counted again', async () => {
		const journey = newJourney();
		const parameters = { journeyName: journey, contactId: fromItem('contactId'), entryKey: '', reentry: 'anyTime', whileActive: 'refuse', maxDurationDays: 90, entryId: fromItem('entryId'), store: 'memory', options: {} };
		const items = [
			{ contactId: 'a', entryId: 'a-1', experiment: { variant: 'B' } },
			{ contactId: 'a', entryId: 'a-2', experiment: { variant: 'B' } },
			{ contactId: 'b', entryId: 'b-1' },
		];
		await runNode(new JourneyEntry(), items, parameters);
		// n8n's Retry: the same input again
		await runNode(new JourneyEntry(), items.slice(0, 1), parameters);
		expect(await countsOf(journey)).toEqual({ 'Node Under Test|B|entered': 1, 'Node Under Test|B|not_entered': 1, 'Node Under Test||entered': 1 });
	});

	it('Segment Filter: matched / not_matched for items with a journey only; Count Journey KPIs off counts nothing', async () => {
		const journey = newJourney();
		const parameters = {
			store: 'memory',
			contactId: fromItem('contactId'),
			timezone: '',
			mode: 'builder',
			combineConditions: 'all',
			combineGroups: 'any',
			conditions: { condition: [{ field: 'plan', operator: 'equal', value: 'pro', group: 1 }] },
			options: {},
		};
		const node = new SegmentFilterV1({ displayName: 'Segment Filter', name: 'segmentFilter', group: ['transform'], description: '' });
		const items = [inJourney(journey, 'a', 'A'), { ...inJourney(journey, 'b', 'A'), plan: 'free' }, { ...inJourney(journey, 'c'), plan: 'free' }, { contactId: 'd', plan: 'pro' }];
		const [matched, notMatched] = await runNode(node, items, parameters);
		expect([matched.length, notMatched.length]).toEqual([2, 2]);
		expect(await countsOf(journey)).toEqual({ 'Node Under Test|A|matched': 1, 'Node Under Test|A|not_matched': 1, 'Node Under Test||not_matched': 1 });
		await runNode(node, items, { ...parameters, options: { countJourneyKpis: false } });
		expect(await countsOf(journey)).toEqual({ 'Node Under Test|A|matched': 1, 'Node Under Test|A|not_matched': 1, 'Node Under Test||not_matched': 1 });
	});

	it('Frequency Cap: allowed / capped:<reason> per variant, in one store call; failed items are not counted', async () => {
		const journey = newJourney();
		const contact = `c-${randomUUID()}`;
		// one message per journey entry: each item its own entry, so its own message key
		const items = [0, 1, 2].map((i) => ({ ...inJourney(journey, contact, i === 2 ? 'B' : 'A'), journey: { name: journey, entryId: `entry-${i}` } }));
		const add = store.kpis.add.bind(store.kpis);
		let calls = 0;
		store.kpis.add = async (counts) => {
			calls++;
			return await add(counts);
		};
		try {
			await runCap({
				items: [...items, { ...inJourney(journey, '', 'A'), journey: { name: journey, entryId: 'entry-3' } }],
				continueOnFail: true,
				parameters: capParameters,
			});
		} finally {
			store.kpis.add = add;
		}
		expect(calls).toBe(1);
		expect(await countsOf(journey)).toEqual({ 'Node Under Test|A|allowed': 1, 'Node Under Test|A|capped:limit_reached': 1, 'Node Under Test|B|capped:limit_reached': 1 });
	});

	it('Frequency Cap: once the store failed this execution (Fail Closed), nothing is counted, so the Decision Timeout still bounds the node', async () => {
		const journey = newJourney();
		vi.spyOn(store.caps, 'apply').mockRejectedValue(new StoreUnavailableError('Redis is down'));
		const add = vi.spyOn(store.kpis, 'add');
		const [allowed, capped] = await runCap({
			items: [inJourney(journey, `c-${randomUUID()}`, 'A')],
			parameters: capParameters,
		});
		expect([allowed.length, (capped[0].json.frequencyCap as { reason: string }).reason]).toEqual([0, 'store_unavailable']);
		expect(add).not.toHaveBeenCalled();
	});

	it('a counting failure never fails the step: the items go on and a warning is logged', async () => {
		const journey = newJourney();
		vi.spyOn(store.kpis, 'add').mockRejectedValue(new Error('store full'));
		const ctx = executeContext({ items: [inJourney(journey, `c-${randomUUID()}`, 'A')], parameters: capParameters, executionId: randomUUID() });
		const warn = vi.spyOn(ctx.logger, 'warn');
		const [allowed] = await runCapIn(ctx);
		expect(allowed).toHaveLength(1);
		await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringMatching(/Journey KPIs of "Node Under Test" were not counted: store full/)));
	});

	it('Lead Score: qualified / not_qualified; a retried event (same update key) is not counted again', async () => {
		const journey = newJourney();
		const parameters = {
			store: 'memory',
			contactId: fromItem('contactId'),
			eventField: 'event',
			timezone: '',
			options: {},
			operation: 'score',
			modelSource: 'builder',
			'rules.rule': [{ name: 'pro-plan', field: 'plan', operator: 'equal', value: 'pro', points: 20, group: 'fit', repeat: 'every' }],
			'groups.group': [],
			'thresholds.threshold': [{ name: 'mql', score: 20, appliesTo: 'total' }],
			totalCap: 0,
		};
		const a = `a-${randomUUID()}`;
		const b = `b-${randomUUID()}`;
		const items = [
			{ ...inJourney(journey, a, 'A'), event: { id: 'e-1', name: 'visit', properties: {} } },
			{ ...inJourney(journey, b, 'A'), plan: 'free', event: { id: 'e-2', name: 'visit', properties: {} } },
		];
		await runNode(new LeadScore(), items, parameters);
		await runNode(new LeadScore(), items, parameters);
		expect(await countsOf(journey)).toEqual({ 'Node Under Test|A|qualified': 1, 'Node Under Test|A|not_qualified': 1 });
	});

	it('a conversion event delivered twice to the Journey Event Trigger converts the entry once, for its variant and last send', async () => {
		const journey = newJourney();
		const contactId = `buyer-${randomUUID()}`;
		const parameters = {
			journeyName: journey,
			contactId: fromItem('contactId'),
			entryKey: '',
			reentry: 'anyTime',
			whileActive: 'refuse',
			maxDurationDays: 90,
			entryId: '',
			trackConversion: true,
			goalEvent: 'purchase',
			goalConditions: '{ "all": [{ "fact": "total", "operator": "greaterThanInclusive", "value": 50 }] }',
			goalWindowDays: 7,
			store: 'memory',
			options: {},
		};
		const [[entered]] = await runNode(new JourneyEntry(), [{ contactId, experiment: { variant: 'B' } }], parameters);
		const entryId = (entered.json.journey as { entryId: string }).entryId;
		await store.entries.recordSend([{ contactId, journey, entryId, step: 'Coupon email' }]);

		const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
		const deliver = async (event: Record<string, unknown>) => {
			const raw = Buffer.from(JSON.stringify(event));
			const hook = fakeWebhook({
				body: event,
				rawBody: raw,
				headers: signedHeaders(secret, `msg_${randomUUID()}`, Math.floor(Date.now() / 1000), raw),
				parameters: { store: 'memory', record: true, options: {} },
				credentials: { secret, previousSecret: '' },
				nodeId: 'trigger-node',
			});
			return await new JourneyEventTrigger().webhook.call(hook.ctx);
		};
		const small = await deliver({ id: 'order-0', contactId, name: 'purchase', properties: { total: 20 } });
		expect(small.webhookResponse).not.toHaveProperty('converted');
		const purchase = { id: 'order-1', contactId, name: 'purchase', properties: { total: 80 } };
		const first = await deliver(purchase);
		const again = await deliver(purchase);
		const other = await deliver({ ...purchase, id: 'order-2' });
		expect(first.webhookResponse).toMatchObject({ recorded: 1, converted: 1 });
		expect(first.workflowData?.[0][0].json.journeyEvent).toMatchObject({ converted: 1 });
		expect(again.webhookResponse).toMatchObject({ duplicates: 1 });
		expect(again.webhookResponse).not.toHaveProperty('converted');
		expect(other.webhookResponse).not.toHaveProperty('converted');
		expect(await countsOf(journey)).toEqual({ 'Node Under Test|B|entered': 1, 'Coupon email|B|converted': 1 });
	});
});
