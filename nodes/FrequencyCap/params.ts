import type { IExecuteFunctions } from 'n8n-workflow';

const SIMPLE_JSON_PATH = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*)+)\s*\}\}$/;

/**
 * Reads one parameter for every item as cheaply as n8n allows: a plain `{{ $json.field }}`
 * (the defaults of Contact ID, Channel, …) is read straight from the item, a parameter without
 * any expression is read once, and anything else goes through n8n's expression engine per
 * item. `path` is the parameter name, dotted for nested ones (e.g. "caps.cap").
 */
export function parameterReader<T>(ctx: IExecuteFunctions, path: string, fallback: T): (itemIndex: number) => T {
	const raw = rawParameter(ctx, path);
	if (typeof raw === 'string') {
		const simple = SIMPLE_JSON_PATH.exec(raw);
		if (simple) {
			const items = ctx.getInputData();
			const keys = simple[1].slice(1).split('.');
			return (itemIndex) => {
				let value: unknown = items[itemIndex].json;
				for (const key of keys) {
					if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) {
						return undefined as T;
					}
					value = (value as Record<string, unknown>)[key];
				}
				return value as T;
			};
		}
	}
	if (raw !== undefined && !hasExpression(raw)) {
		let cached: { value: T } | undefined;
		return (itemIndex) => {
			if (!cached) cached = { value: ctx.getNodeParameter(path, itemIndex, fallback) as T };
			return cached.value;
		};
	}
	return (itemIndex) => ctx.getNodeParameter(path, itemIndex, fallback) as T;
}

function rawParameter(ctx: IExecuteFunctions, path: string): unknown {
	let value: unknown = ctx.getNode().parameters;
	for (const key of path.split('.')) {
		if (value === null || typeof value !== 'object') return undefined;
		value = (value as Record<string, unknown>)[key];
	}
	return value;
}

function hasExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}
