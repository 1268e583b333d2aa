/**
 * The model differential: on generated models, contacts and events, the points Lead Score gives
 * equal the sum of the points of the rules that plain json-rules-engine (`new Engine()`, none of
 * our operators) says fire, for rules it accepts (its own operators; every fact present). Checked
 * on the compiled model and end to end through the node (memory store, repeat "every", no caps).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Engine } from 'json-rules-engine';
import type { INodeExecutionData } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { compileScoringModel, type ScoringModel, type ScoringRule } from '../../../lib';
import { LeadScore } from '../../../nodes/LeadScore/LeadScore.node';
import { executeContext } from '../helpers/executeContext';

const PLANS = ['free', 'pro', 'team'];
const COUNTRIES = ['KR', 'US', 'DE'];
const EVENTS = ['page_viewed', 'signup', 'order_completed'];
const TAGS = ['vip', 'beta', 'churn'];

type Leaf = { fact: string; operator: string; value: unknown };
const textLeaf = (fact: string, pool: string[]) =>
	fc.oneof(
		fc.record({ fact: fc.constant(fact), operator: fc.constantFrom('equal', 'notEqual'), value: fc.constantFrom(...pool) }),
		fc.record({ fact: fc.constant(fact), operator: fc.constantFrom('in', 'notIn'), value: fc.subarray(pool, { minLength: 1 }) }),
	);
const numberLeaf = (fact: string) =>
	fc.record({
		fact: fc.constant(fact),
		operator: fc.constantFrom('equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'),
		value: fc.integer({ min: 0, max: 100 }),
	});
const leaf: fc.Arbitrary<Leaf> = fc.oneof(
	textLeaf('plan', PLANS),
	textLeaf('country', COUNTRIES),
	textLeaf('event.name', EVENTS),
	numberLeaf('seats'),
	numberLeaf('event.properties.total'),
	fc.record({ fact: fc.constant('tags'), operator: fc.constantFrom('contains', 'doesNotContain'), value: fc.constantFrom(...TAGS) }),
);
const tree = fc.oneof(
	fc.record({ all: fc.array(leaf, { minLength: 1, maxLength: 3 }) }),
	fc.record({ any: fc.array(leaf, { minLength: 1, maxLength: 3 }) }),
	fc.record({ all: fc.tuple(leaf, fc.record({ any: fc.array(leaf, { minLength: 1, maxLength: 2 }) })).map((xs) => [...xs]) }),
	fc.record({ all: fc.tuple(leaf, fc.record({ not: leaf })).map((xs) => [...xs]) }),
);
const model: fc.Arbitrary<ScoringModel> = fc.array(fc.record({ conditions: tree, points: fc.integer({ min: -20, max: 30 }), group: fc.constantFrom('fit', 'engagement') }), { minLength: 1, maxLength: 12 }).map((rules) => ({
	name: 'generated',
	description: 'generated for the differential',
	groups: { fit: { label: 'Fit' }, engagement: { label: 'Engagement' } },
	rules: rules.map(
		(r, i): ScoringRule => ({
			name: `r${i}`,
			conditions: r.conditions as ScoringRule['conditions'],
			event: { type: 'score', params: { group: r.group, points: r.points, repeat: 'every' } },
		}),
	),
}));
const contact = fc.record({
	plan: fc.constantFrom(...PLANS),
	country: fc.constantFrom(...COUNTRIES),
	seats: fc.integer({ min: 0, max: 100 }),
	tags: fc.subarray(TAGS),
	event: fc.record({ name: fc.constantFrom(...EVENTS), properties: fc.record({ total: fc.integer({ min: 0, max: 100 }) }) }),
});
type Contact = typeof contact extends fc.Arbitrary<infer T> ? T : never;

/** Plain json-rules-engine: its own operators, facts as flat keys (it has no dotted paths of ours). */
async function enginePoints(m: ScoringModel, c: Contact): Promise<number> {
	const engine = new Engine();
	for (const rule of m.rules) engine.addRule({ conditions: rule.conditions as never, event: rule.event, name: rule.name });
	const { events } = await engine.run({
		plan: c.plan,
		country: c.country,
		seats: c.seats,
		tags: c.tags,
		'event.name': c.event.name,
		'event.properties.total': c.event.properties.total,
	});
	return events.reduce((sum, e) => sum + Number(e.params?.points), 0);
}

const NOW = Date.UTC(2026, 5, 1);

describe('model differential against plain json-rules-engine', () => {
	it('the compiled model fires exactly the points plain engine.run fires', async () => {
		await fc.assert(
			fc.asyncProperty(model, fc.array(contact, { minLength: 1, maxLength: 10 }), async (m, contacts) => {
				const compiled = compileScoringModel(m);
				for (const c of contacts) {
					const ours = compiled.fire(c, { now: NOW, timezone: 'UTC' }).reduce((sum, r) => sum + r.points, 0);
					expect(ours).toBe(await enginePoints(m, c));
				}
			}),
			{ numRuns: 300 },
		);
	});

	it('through the node, each item\'s leadScore.delta and rules equal what plain engine.run fires', async () => {
		const node = new LeadScore();
		await fc.assert(
			fc.asyncProperty(model, fc.array(contact, { minLength: 1, maxLength: 8 }), async (m, contacts) => {
				const items = contacts.map((c) => ({ ...c, contactId: `diff-${randomUUID()}`, event: { ...c.event, id: randomUUID(), occurredAt: new Date().toISOString() } }));
				const ctx = executeContext({
					items,
					parameters: {
						operation: 'score',
						store: 'memory',
						modelSource: 'json',
						modelJson: JSON.stringify(m),
						contactId: (_: number, item: INodeExecutionData) => item.json.contactId,
						eventField: 'event',
						timezone: '',
						options: {},
					},
					rawParameters: { contactId: '={{ $json.contactId }}' },
				});
				const [qualified, notQualified] = await node.execute.call(ctx);
				expect(qualified).toEqual([]);
				for (const out of notQualified) {
					const index = (out.pairedItem as { item: number }).item;
					const score = out.json.leadScore as { delta: number; rules: Array<{ points: number }> };
					const expected = await enginePoints(m, contacts[index]);
					expect(score.delta).toBe(expected);
					expect(score.rules.reduce((sum, r) => sum + r.points, 0)).toBe(expected);
				}
			}),
			{ numRuns: 60 },
		);
	});
});
