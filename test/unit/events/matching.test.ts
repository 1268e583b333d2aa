import { describe, expect, it } from 'vitest';
import { normalizeEvent, parseTime } from '../../../lib/events/event';
import { checkEventConditions } from '../../../lib/events/conditions';
import { compileWaitMatcher, explainMismatch, firstMatch, sameValue } from '../../../lib/events/matching';
import { buildResumeUrl, durationMs, parseDateTime } from '../../../lib/events/waitTiming';
import type { ContactEvent, WaitMatchSpec } from '../../../lib/store/types';

const T = Date.UTC(2026, 0, 10, 12, 0, 0);
const ev = (overrides: Partial<ContactEvent> = {}): ContactEvent => ({
	id: 'e1',
	contactId: 'alice',
	name: 'purchase',
	properties: { cartId: 'c-1', total: 80, order: { cartId: 42 } },
	occurredAt: T,
	...overrides,
});

describe('matching an event against a wait', () => {
	const base: WaitMatchSpec = { names: ['purchase', 'order_completed'], sinceMs: T - 1000 };

	it('matches by name, contact and time since', () => {
		expect(explainMismatch(base, ev(), 'alice')).toBeUndefined();
		expect(explainMismatch(base, ev({ name: 'order_completed' }), 'alice')).toBeUndefined();
		expect(explainMismatch(base, ev({ name: 'page_view' }), 'alice')).toBe('name');
		expect(explainMismatch(base, ev({ contactId: 'bob' }), 'alice')).toBe('contact');
		expect(explainMismatch(base, ev({ occurredAt: T - 1001 }), 'alice')).toBe('since');
		expect(explainMismatch(base, ev({ occurredAt: T - 1000 }), 'alice')).toBeUndefined();
	});

	it('matches a correlation key (item value ↔ event property path), compared as text', () => {
		const spec = { ...base, correlation: { eventPath: 'cartId', value: 'c-1' } };
		expect(explainMismatch(spec, ev(), 'alice')).toBeUndefined();
		expect(explainMismatch(spec, ev({ properties: { cartId: 'c-2' } }), 'alice')).toBe('correlation');
		expect(explainMismatch(spec, ev({ properties: {} }), 'alice')).toBe('correlation');
		const nested = { ...base, correlation: { eventPath: 'order.cartId', value: '42' } };
		expect(explainMismatch(nested, ev(), 'alice')).toBeUndefined();
		// never walks the prototype chain
		const proto = { ...base, correlation: { eventPath: 'constructor.name', value: 'Object' } };
		expect(explainMismatch(proto, ev(), 'alice')).toBe('correlation');
		expect(sameValue(null, 'null')).toBe(false);
		expect(sameValue(true, 'true')).toBe(true);
	});

	it('applies conditions on event properties with the rules package', () => {
		const spec = { ...base, conditions: { all: [{ fact: 'total', operator: 'greaterThanInclusive', value: 50 }] } };
		const match = compileWaitMatcher(spec, 'alice');
		expect(match(ev())).toBe(true);
		expect(match(ev({ properties: { total: 20 } }))).toBe(false);
		expect(explainMismatch(spec, ev({ properties: { total: 20 } }), 'alice')).toBe('conditions');
		const text = { ...base, conditions: { any: [{ fact: 'order.cartId', operator: 'equal', value: 42 }] } };
		expect(compileWaitMatcher(text)(ev())).toBe(true);
	});

	it('validates conditions with paths in the messages and refuses event counts', () => {
		expect(checkEventConditions({ all: [{ fact: 'total', operator: 'greaterThan', value: 1 }] })).toEqual([]);
		expect(checkEventConditions({ all: [{ fact: 'total', operator: 'cotains', value: 1 }] })[0]).toMatch(/conditions\.all\[0\]\.operator/);
		expect(checkEventConditions([])[0]).toMatch(/all", "any" or "not"/);
		expect(checkEventConditions({ all: [{ fact: 'eventCount', params: { event: 'x' }, operator: 'greaterThan', value: 1 }] }).length).toBeGreaterThan(0);
	});

	it('picks the oldest matching event for the look-back', () => {
		const events = [ev({ id: 'late', occurredAt: T + 50 }), ev({ id: 'other', name: 'x', occurredAt: T }), ev({ id: 'early', occurredAt: T + 10 })];
		expect(firstMatch(base, events, 'alice')?.id).toBe('early');
		expect(firstMatch({ ...base, names: ['nothing'] }, events, 'alice')).toBeUndefined();
	});
});

describe('event input', () => {
	it('normalises an event and names the field that is wrong', () => {
		expect(normalizeEvent({ id: 7, contactId: ' c1 ', name: 'purchase', properties: '{"a":1}', occurredAt: '2026-01-10T12:00:00Z' }, 0)).toEqual({
			ok: true,
			event: { id: '7', contactId: 'c1', name: 'purchase', properties: { a: 1 }, occurredAt: T },
		});
		expect(normalizeEvent({ contactId: 'c', name: 'n' }, 5, 'msg_1:0')).toMatchObject({ ok: true, event: { id: 'msg_1:0', occurredAt: 5 } });
		expect(normalizeEvent({ contactId: 'c', name: 'n' }, 5)).toMatchObject({ ok: false, field: 'id' });
		expect(normalizeEvent({ id: 'x', name: 'n' }, 5)).toMatchObject({ ok: false, field: 'contactId' });
		expect(normalizeEvent({ id: 'x', contactId: 'c', name: '  ' }, 5)).toMatchObject({ ok: false, field: 'name' });
		expect(normalizeEvent({ id: 'x', contactId: 'c', name: 'n', properties: [1] }, 5)).toMatchObject({ ok: false, field: 'properties' });
		expect(normalizeEvent({ id: 'x', contactId: 'c', name: 'n', occurredAt: 'yesterday' }, 5)).toMatchObject({ ok: false, field: 'occurredAt' });
	});

	it('reads times as ms, seconds, ISO text or Dates', () => {
		expect(parseTime(T, 0)).toBe(T);
		expect(parseTime(T / 1000, 0)).toBe(T);
		expect(parseTime(String(T), 0)).toBe(T);
		expect(parseTime(new Date(T), 0)).toBe(T);
		expect(parseTime('', 9)).toBe(9);
		expect(parseTime({}, 9)).toBeUndefined();
	});
});

describe('wait timing', () => {
	it('turns durations into ms and refuses nonsense', () => {
		expect(durationMs(1.5, 'hours')).toBe(5_400_000);
		expect(durationMs(0, 'seconds')).toBe(0);
		expect(() => durationMs(-1, 'days')).toThrow(/0 or more/);
		expect(() => durationMs(1, 'fortnights' as never)).toThrow(/unknown unit/);
	});

	it('reads a date/time without offset in the given zone, with offset as is', () => {
		expect(parseDateTime('2026-01-10 21:00', 'Asia/Seoul')).toBe(T);
		expect(parseDateTime('2026-01-10T21:00:00', 'Asia/Seoul')).toBe(T);
		expect(parseDateTime('2026-01-10T12:00:00Z', 'Asia/Seoul')).toBe(T);
		expect(parseDateTime('2026-01-10T13:00:00+01:00', 'UTC')).toBe(T);
		expect(parseDateTime(T, 'UTC')).toBe(T);
		expect(() => parseDateTime('next tuesday', 'UTC')).toThrow(/not a date/);
	});

	it('builds the resume URL of a node: path before the query, optional base override', () => {
		const n8n = 'http://localhost:5678/webhook-waiting/123?signature=abc.def';
		expect(buildResumeUrl(n8n, 'node-uuid')).toBe('http://localhost:5678/webhook-waiting/123/node-uuid?signature=abc.def');
		expect(buildResumeUrl(n8n, 'node-uuid', 'http://n8n-main:5678/webhook-waiting/')).toBe(
			'http://n8n-main:5678/webhook-waiting/123/node-uuid?signature=abc.def',
		);
		expect(buildResumeUrl('https://flows.example.com/prefix/webhook-waiting/9', 'n')).toBe('https://flows.example.com/prefix/webhook-waiting/9/n');
		expect(() => buildResumeUrl('not a url', 'n')).toThrow(/no usable resume URL/);
		expect(() => buildResumeUrl(n8n, 'n', 'n8n-main:5678')).toThrow(/Resume Base URL/);
	});
});
