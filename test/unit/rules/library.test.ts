import { describe, expect, it } from 'vitest';
import {
	compileConditions,
	getScoringModel,
	getSegment,
	listScoringModels,
	listSegments,
	validateConditions,
	validateRule,
	validateScoringModel,
} from '../../../rules';
import { DAY, NOW } from './helpers';

const EXPECTED = [
	'inactive-90-days',
	'vip-top-spenders',
	'cart-abandoners',
	'new-signups-7-days',
	'birthday-this-week',
	'engaged-last-30-days',
];

describe('segment library', () => {
	it('ships the named segments, each with a description, and every one validates', () => {
		const segments = listSegments();
		expect(segments.map((s) => s.name)).toEqual(expect.arrayContaining(EXPECTED));
		for (const segment of segments) {
			expect(segment.description.length, segment.name).toBeGreaterThan(20);
			expect(validateConditions(segment.conditions), segment.name).toEqual([]);
			expect(() => compileConditions(segment.conditions)).not.toThrow();
		}
	});

	it('getSegment returns a copy, and names the known segments for an unknown name', () => {
		const a = getSegment('vip-top-spenders');
		(a.conditions as { any: unknown[] }).any.length = 0;
		expect((getSegment('vip-top-spenders').conditions as { any: unknown[] }).any).toHaveLength(2);
		expect(() => getSegment('vip')).toThrow(
			`unknown segment "vip": the library has ${EXPECTED.join(', ')}`,
		);
	});

	it('segments decide as their names say', () => {
		const ctx = { now: NOW, timezone: 'Asia/Seoul' };
		const decide = (name: string, contact: unknown) =>
			compileConditions(getSegment(name).conditions).evaluate(contact, ctx);
		expect(decide('inactive-90-days', { lastSeenAt: NOW - 100 * DAY })).toBe(true);
		expect(decide('inactive-90-days', { lastSeenAt: NOW - 10 * DAY })).toBe(false);
		expect(decide('inactive-90-days', {})).toBe(false);
		expect(decide('vip-top-spenders', { totalSpent: 1500 })).toBe(true);
		expect(decide('vip-top-spenders', { totalSpent: 50, tags: ['vip'] })).toBe(true);
		expect(decide('vip-top-spenders', { totalSpent: 50, tags: [] })).toBe(false);
		expect(decide('new-signups-7-days', { signedUpAt: new Date(NOW - 2 * DAY) })).toBe(true);
		expect(decide('birthday-this-week', { birthday: '1990-05-09' })).toBe(true);
		expect(decide('birthday-this-week', { birthday: '1990-05-11' })).toBe(false);
		expect(decide('engaged-last-30-days', { lastEmailClickedAt: NOW - DAY })).toBe(true);
		const cart = { name: 'added_to_cart', occurredAt: NOW - 2 * 3_600_000 };
		const order = { name: 'order_completed', occurredAt: NOW - 3_600_000 };
		expect(decide('cart-abandoners', {})).toBeUndefined(); // needs the events
		expect(decide('cart-abandoners', { __events: [cart] })).toBe(true);
		expect(decide('cart-abandoners', { __events: [cart, order] })).toBe(false);
	});
});

describe('scoring models', () => {
	it('b2b-default validates: rules, points, groups', () => {
		const models = listScoringModels();
		expect(models.map((m) => m.name)).toContain('b2b-default');
		for (const model of models) {
			expect(validateScoringModel(model), model.name).toEqual([]);
			expect(model.description.length).toBeGreaterThan(20);
			for (const rule of model.rules) expect(validateRule(rule), rule.name).toEqual([]);
			const groups = new Set(model.rules.map((r) => r.event.params.group));
			expect([...groups].sort()).toEqual(['engagement', 'fit']);
		}
	});

	it('reports a broken model with paths', () => {
		const model = getScoringModel('b2b-default');
		model.rules[1].event.params.points = 'ten' as never;
		model.rules[2].event.params.group = 'fun';
		(model.rules[3].conditions as { all: { operator: string }[] }).all[0].operator = 'isNotEmptyy';
		expect(validateScoringModel(model).map((e) => e.path)).toEqual([
			'rules[1].event.params.points',
			'rules[2].event.params.group',
			'rules[3].conditions.all[0].operator',
		]);
		expect(() => getScoringModel('b2c')).toThrow(
			'unknown scoring model "b2c": the library has b2b-default, ecommerce-engagement',
		);
	});
});
