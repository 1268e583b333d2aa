import { describe, expect, it } from 'vitest';
import { checkFactPath, createEngine, compileConditions, resolvePath } from '../../../rules';

describe('resolvePath', () => {
	const contact = {
		address: { country: 'KR', 'zip code': '04524' },
		orders: [{ total: 30 }, { total: 70 }],
		tags: ['a'],
	};

	it('reads dotted paths through objects and arrays', () => {
		expect(resolvePath(contact, 'address.country')).toBe('KR');
		expect(resolvePath(contact, 'address.zip code')).toBe('04524');
		expect(resolvePath(contact, 'orders.1.total')).toBe(70);
		expect(resolvePath(contact, 'tags.length')).toBe(1);
		expect(resolvePath(contact, 'address.city')).toBeUndefined();
		expect(resolvePath(contact, 'address.country.length')).toBeUndefined(); // text is not an object
		expect(resolvePath(null, 'a')).toBeUndefined();
	});

	it('refuses prototype segments and inherited properties', () => {
		const parsed = JSON.parse('{"__proto__": {"admin": true}, "a": {"constructor": {"x": 1}}}');
		expect(resolvePath(parsed, '__proto__.admin')).toBeUndefined();
		expect(resolvePath(parsed, 'a.constructor.x')).toBeUndefined();
		expect(resolvePath({}, 'constructor')).toBeUndefined();
		expect(resolvePath({}, 'toString')).toBeUndefined();
		expect(resolvePath(function f() {}, 'prototype')).toBeUndefined();
		expect(resolvePath(Object.create({ inherited: 1 }), 'inherited')).toBeUndefined();
		expect(checkFactPath('a.__proto__')).toMatch(/refused for safety/);
		expect(checkFactPath('ok.path')).toBeUndefined();
	});

	it('the engine and the compiled path read facts the same way', async () => {
		const tree = {
			all: [
				{ fact: 'address.country', operator: 'equal', value: 'KR' },
				{ fact: 'orders.0.total', operator: 'lessThan', value: 50 },
				{ fact: 'toString', operator: 'notExists' },
			],
		};
		const engine = createEngine({ timezone: 'UTC' }, [{ conditions: tree, event: { type: 'm' } }]);
		expect((await engine.run(contact)).events).toHaveLength(1);
		expect(compileConditions(tree)(contact)).toBe(true);
		// a literal "address.country" key is not a path: both read the nested field
		const literal = { 'address.country': 'KR', address: { country: 'JP' }, orders: [{ total: 1 }] };
		expect((await engine.run(literal)).events).toHaveLength(0);
		expect(compileConditions(tree)(literal)).toBe(false);
	});
});
