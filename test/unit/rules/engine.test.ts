import { Rule } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { createEngine, InvalidTimeZoneError, RulesValidationError } from '../../../rules';
import { NOW } from './helpers';

describe('createEngine', () => {
	it('validates the time zone with luxon and names a bad one', () => {
		expect(() => createEngine({ now: NOW, timezone: 'Asia/Seoul' })).not.toThrow();
		expect(() => createEngine({ timezone: 'Europe/Atlantis' })).toThrow(InvalidTimeZoneError);
		expect(() => createEngine({ timezone: 'Europe/Atlantis' })).toThrow(
			'invalid time zone "Europe/Atlantis"',
		);
		expect(() => createEngine({ timezone: '' })).toThrow(InvalidTimeZoneError);
	});

	it('runs our operators on dotted facts, with default context now / UTC', async () => {
		const engine = createEngine(undefined, [
			{
				conditions: {
					all: [
						{ fact: 'address.country', operator: 'isIn', value: ['KR', 'JP'] },
						{ fact: 'lastSeenAt', operator: 'withinLast', value: '1h' },
						{ fact: 'email', operator: 'exists' } as never, // no value: added for json-rules-engine
					],
				},
				event: { type: 'matched', params: { segment: 'x' } },
			},
		]);
		const result = await engine.run({
			address: { country: 'KR' },
			lastSeenAt: new Date(Date.now() - 60_000).toISOString(),
			email: 'a@b.c',
		});
		expect(result.events).toEqual([{ type: 'matched', params: { segment: 'x' } }]);
		expect(
			(
				await engine.run({
					address: { country: 'US' },
					lastSeenAt: new Date().toISOString(),
					email: 'a',
				})
			).events,
		).toEqual([]);
		expect((await engine.run()).events).toEqual([]);
	});

	it('refuses invalid rules, including JSONPath, when they are added', () => {
		const jsonPath = {
			conditions: { all: [{ fact: 'address', path: '$.country', operator: 'equal', value: 'KR' }] },
			event: { type: 'm' },
		};
		expect(() => createEngine({}, [jsonPath])).toThrow(RulesValidationError);
		const engine = createEngine({});
		expect(() => engine.addRule(jsonPath)).toThrow(
			/conditions\.all\[0\]\.path: "path" \(JSONPath\) is not supported/,
		);
		expect(() => engine.addRule(new Rule(jsonPath))).toThrow(RulesValidationError);
		expect(() => engine.addRule({ conditions: { all: [] }, event: { type: 'ok' } })).not.toThrow();
	});

	it("counts events from the contact's __events for eventCount", async () => {
		const engine = createEngine({ now: NOW }, [
			{
				conditions: {
					all: [
						{
							fact: 'eventCount',
							params: { event: 'added_to_cart', within: '1h' },
							operator: 'equal',
							value: 0,
						},
					],
				},
				event: { type: 'no-cart' },
			},
		]);
		expect((await engine.run({ __events: [] })).events).toHaveLength(1);
		expect(
			(await engine.run({ __events: [{ name: 'added_to_cart', occurredAt: NOW - 60_000 }] }))
				.events,
		).toHaveLength(0);
		expect((await engine.run({})).events).toHaveLength(0); // count unknown: not "0"
	});

	it('prototype keys of the contact are never facts', async () => {
		const engine = createEngine({}, [
			{
				conditions: {
					any: [
						{ fact: 'toString', operator: 'exists' },
						{ fact: 'hasOwnProperty', operator: 'exists' },
					],
				},
				event: { type: 'm' },
			},
		]);
		expect((await engine.run({})).events).toHaveLength(0);
	});
});
