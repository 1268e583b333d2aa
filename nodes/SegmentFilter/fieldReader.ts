import type { IExecuteFunctions } from 'n8n-workflow';

const SIMPLE_JSON_PATH = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*)+)\s*\}\}$/;

/**
 * Reads a per-item parameter such as Contact ID or Time Zone. Its default is a plain
 * `{{ $json.field }}`, which is read straight from the item instead of through n8n's expression
 * engine: the same value, at a fraction of the cost for a 100 000-contact batch.
 */
export function contactFieldReader(ctx: IExecuteFunctions, parameter: string): (itemIndex: number) => unknown {
	const raw = ctx.getNode().parameters[parameter];
	const items = ctx.getInputData();
	if (typeof raw === 'string') {
		const simple = SIMPLE_JSON_PATH.exec(raw);
		if (simple) {
			const keys = simple[1].slice(1).split('.');
			return (itemIndex) => {
				let value: unknown = items[itemIndex].json;
				for (const key of keys) {
					if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
					value = (value as Record<string, unknown>)[key];
				}
				return value;
			};
		}
		if (!raw.startsWith('=')) return () => raw;
	}
	return (itemIndex) => ctx.getNodeParameter(parameter, itemIndex, '');
}
