/**
 * `matchesRegex`: RE2 syntax, run by re2js in time linear in the text, so no pattern from a rule
 * can stall the event loop. A pattern RE2 refuses (backreferences such as \1, lookahead,
 * lookbehind) is a validation error; there is no fallback to JavaScript's RegExp. The value is a
 * pattern, or { pattern, flags } with flags from "i" (ignore case), "m" (^/$ per line) and "s"
 * (. matches newlines). The match is unanchored, like RegExp.test: use ^...$ for a whole-field
 * match. Compiled patterns are cached by (flags, pattern).
 */
import { RE2JS } from 're2js';
import { defineOperator, show, type OperatorDefinition } from './definition';

const FLAG_BITS: Record<string, number> = {
	i: RE2JS.CASE_INSENSITIVE,
	m: RE2JS.MULTILINE,
	s: RE2JS.DOTALL,
};
const MAX_PATTERN_LENGTH = 2000;
const cache = new Map<string, RE2JS>();

/** The compiled pattern, or a message saying why it is refused. */
export function compilePattern(value: unknown): RE2JS | string {
	let pattern: unknown = value;
	let flags: unknown = '';
	if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
		const extra = Object.keys(value).find((k) => k !== 'pattern' && k !== 'flags');
		if (extra !== undefined)
			return `unknown property "${extra}": write { "pattern": "...", "flags": "i" }`;
		pattern = (value as Record<string, unknown>).pattern;
		flags = (value as Record<string, unknown>).flags ?? '';
	}
	if (typeof pattern !== 'string') return `a pattern (text) is needed, got ${show(pattern)}`;
	if (typeof flags !== 'string') return `flags must be text such as "i", got ${show(flags)}`;
	if (pattern.length > MAX_PATTERN_LENGTH)
		return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
	let bits = 0;
	for (const flag of flags) {
		if (!Object.prototype.hasOwnProperty.call(FLAG_BITS, flag)) {
			return `unknown flag "${flag}": use i (ignore case), m (multi-line) or s (dot matches newline)`;
		}
		bits |= FLAG_BITS[flag];
	}
	const key = `${bits}/${pattern}`;
	const cached = cache.get(key);
	if (cached) return cached;
	try {
		const compiled = RE2JS.compile(pattern, bits);
		if (cache.size >= 1000) cache.delete(cache.keys().next().value as string);
		cache.set(key, compiled);
		return compiled;
	} catch (error) {
		const reason = String((error as Error)?.message ?? error).replace(
			/^error parsing regexp: /,
			'',
		);
		return `pattern ${JSON.stringify(pattern)} is not valid RE2 (backreferences and lookaround are not supported): ${reason}`;
	}
}

export const patternOperators: OperatorDefinition[] = [
	defineOperator<RE2JS>({
		name: 'matchesRegex',
		label: 'matches pattern',
		valueKind: 'pattern',
		group: 'pattern',
		checkValue: (value) => {
			const compiled = compilePattern(value);
			return typeof compiled === 'string' ? `"matchesRegex": ${compiled}` : undefined;
		},
		prepare: (value) => compilePattern(value) as RE2JS,
		test: (fact, pattern) => {
			if (typeof fact === 'string') return pattern.test(fact);
			if (typeof fact === 'number' && Number.isFinite(fact)) return pattern.test(String(fact));
			return false;
		},
	}),
];
