/**
 * Fact paths: `address.country`, `orders.0.total`. A plain dotted-path resolver replaces
 * json-rules-engine's JSONPath everywhere: user-written JSONPath is never evaluated, and no
 * path may walk into the prototype chain (only own properties are read, and the segments
 * `__proto__`, `constructor` and `prototype` are refused outright).
 */

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_FACT_PATH_LENGTH = 256;
export const MAX_FACT_PATH_SEGMENTS = 32;

const hasOwn = Object.prototype.hasOwnProperty;

/** Why a fact path is unusable, or undefined when it is fine. */
export function checkFactPath(path: unknown): string | undefined {
	if (typeof path !== 'string') return `the field must be text, got ${describeType(path)}`;
	if (path === '') return 'the field is empty';
	if (path.length > MAX_FACT_PATH_LENGTH) {
		return `the field path is longer than ${MAX_FACT_PATH_LENGTH} characters`;
	}
	if (path.startsWith('$') || path.includes('[')) {
		return `"${path}" looks like JSONPath, which is not supported: write a dotted path such as "address.country" or "orders.0.total"`;
	}
	const segments = path.split('.');
	if (segments.length > MAX_FACT_PATH_SEGMENTS) {
		return `the field path has more than ${MAX_FACT_PATH_SEGMENTS} parts`;
	}
	for (const segment of segments) {
		if (segment === '') return `"${path}" has an empty part: write parts separated by single dots`;
		if (FORBIDDEN_SEGMENTS.has(segment)) {
			return `"${path}" uses the reserved name "${segment}", which is refused for safety`;
		}
	}
	return undefined;
}

export function isSafeFactPath(path: unknown): path is string {
	return checkFactPath(path) === undefined;
}

/** Splits a path into segments; undefined when the path is not safe. */
export function parseFactPath(path: string): readonly string[] | undefined {
	return checkFactPath(path) === undefined ? path.split('.') : undefined;
}

/** Reads one own property; anything else (missing, inherited, not an object) is undefined. */
export function readOwn(value: unknown, key: string): unknown {
	if (value === null || typeof value !== 'object') return undefined;
	return hasOwn.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

// the engine path resolves the same few paths for every item: keep their split form
const splitCache = new Map<string, readonly string[] | undefined>();

/**
 * The value at a dotted path, reading own properties only; undefined when any part is
 * missing or the path is unsafe (a refused path never reads anything).
 */
export function resolvePath(value: unknown, path: string): unknown {
	let segments = splitCache.get(path);
	if (segments === undefined && !splitCache.has(path)) {
		segments = typeof path === 'string' ? parseFactPath(path) : undefined;
		if (splitCache.size > 5000) splitCache.clear();
		splitCache.set(path, segments);
	}
	if (!segments) return undefined;
	let current = value;
	for (let i = 0; i < segments.length; i++) {
		current = readOwn(current, segments[i]);
		if (current === undefined) return undefined;
	}
	return current;
}

/**
 * A resolver bound to one path, for the compiled evaluator: the path is split once, and the
 * common one- and two-part paths skip the loop.
 */
export function makeFactReader(path: string): (contact: unknown) => unknown {
	const segments = parseFactPath(path);
	if (!segments) throw new Error(`unsafe field path: ${checkFactPath(path)}`);
	if (segments.length === 1) {
		const key = segments[0];
		return (contact) => readOwn(contact, key);
	}
	if (segments.length === 2) {
		const [first, second] = segments;
		return (contact) => readOwn(readOwn(contact, first), second);
	}
	return (contact) => {
		let current = contact;
		for (let i = 0; i < segments.length; i++) {
			current = readOwn(current, segments[i]);
			if (current === undefined) return undefined;
		}
		return current;
	};
}

function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value;
}
