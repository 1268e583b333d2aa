import { describe, expect, it } from 'vitest';
import {
	compileConditions,
	compileScoringModel,
	getScoringModel,
	gradeOf,
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

describe('scoring model settings', () => {
	it('reports bad repeat, decay, validity, caps and thresholds with paths', () => {
		const model = getScoringModel('ecommerce-engagement');
		model.rules[0].event.params.repeat = { atMost: 0 };
		model.rules[1].event.params.validUntil = 'next year';
		model.groups.engagement.decay = { kind: 'linear', percent: 150, everyDays: 7 };
		model.totalCap = -1;
		model.thresholds = [
			{ name: 'hot', score: 10, group: 'nope' },
			{ name: 'hot', score: 20 },
		];
		expect(validateScoringModel(model).map((e) => e.path)).toEqual([
			'groups.engagement.decay',
			'totalCap',
			'thresholds[0].group',
			'thresholds[1].name',
			'rules[0].event.params.repeat',
			'rules[1].event.params.validUntil',
		]);
	});

	it('compiled models fire only inside validFrom / validUntil, and grade fit × engagement', () => {
		const model = getScoringModel('ecommerce-engagement');
		model.rules[0].event.params.validFrom = '2026-01-01T00:00:00Z';
		const compiled = compileScoringModel(model);
		const fired = (now: number) => compiled.fire({ email: 'a@b.c', event: null }, { now, timezone: 'UTC' }).map((r) => r.name);
		expect(fired(Date.parse('2025-12-31T23:59:59Z'))).toEqual([]);
		expect(fired(Date.parse('2026-01-01T00:00:00Z'))).toEqual(['known-shopper']);
		expect(compiled.settings.groups.engagement.decay).toEqual({ kind: 'linear', fraction: 0.1, stepMs: 7 * 86_400_000 });
		expect(compiled.settings.thresholds).toEqual([
			{ name: 'hot-shopper', score: 50, group: 'total' },
			{ name: 'vip-candidate', score: 80, group: 'engagement' },
		]);
		const bands = { fitA: 40, fitB: 20, engagement1: 40, engagement2: 15 };
		expect([gradeOf(40, 40, bands), gradeOf(39.99, 15, bands), gradeOf(0, 14.99, bands)]).toEqual(['A1', 'B2', 'C3']);
	});
});
