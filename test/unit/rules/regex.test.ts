import { describe, expect, it } from 'vitest';
import {
	compileConditions,
	createEngine,
	RulesValidationError,
	validateConditions,
} from '../../../rules';

const regexTree = (value: unknown) => ({
	all: [{ fact: 'text', operator: 'matchesRegex', value }],
});

describe('matchesRegex runs RE2 only', () => {
	it.each([
		['(a)\\1', 'backreference'],
		['(?=a)b', 'lookahead'],
		['(?!a)b', 'negative lookahead'],
		['(?<=a)b', 'lookbehind'],
		['[unclosed', 'syntax error'],
	])('refuses %s (%s) as a validation error', (pattern) => {
		const errors = validateConditions(regexTree(pattern));
		expect(errors).toHaveLength(1);
		expect(errors[0].path).toBe('conditions.all[0].value');
		expect(errors[0].message).toMatch(/is not valid RE2/);
		expect(() => compileConditions(regexTree(pattern))).toThrow(RulesValidationError);
		expect(() =>
			createEngine({}, [{ conditions: regexTree(pattern), event: { type: 'm' } }]),
		).toThrow(RulesValidationError);
	});

	it('refuses unknown flags', () => {
		expect(validateConditions(regexTree({ pattern: 'a', flags: 'g' }))[0].message).toMatch(
			/unknown flag "g"/,
		);
	});

	it('evil patterns on a long input complete (linear time) with the right answer', async () => {
		const input = `${'a'.repeat(50_000)}b`;
		for (const pattern of ['(a+)+$', '^(a|aa)+$', '(a*)*c']) {
			const tree = regexTree(pattern);
			expect(compileConditions(tree)({ text: input }), pattern).toBe(false);
			const engine = createEngine({}, [{ conditions: tree, event: { type: 'm' } }]);
			expect((await engine.run({ text: input })).events, pattern).toHaveLength(0);
		}
		expect(compileConditions(regexTree('(a+)+b$'))({ text: input })).toBe(true);
	});
});
