import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import type { JourneyStore } from '../store/types';
import { resolveStore, storeOutageError } from './store';

/**
 * The item loop every node of the package shares: parameter reading, per-item errors, the
 * error policy (Continue On Fail or stop before anything is written) and routing to outputs.
 * Messages count items from 1, as n8n's panel does.
 */

/** "Item 3: …" for the item at index 2. */
export function itemMessage(itemIndex: number, message: string): string {
	return `Item ${itemIndex + 1}: ${message}`;
}

/** A problem with one item's input, with what to change; `parameter` names it in the message. */
export class ItemError extends Error {
	constructor(
		message: string,
		readonly description: string,
		readonly parameter?: string,
	) {
		super(message);
		this.name = 'ItemError';
	}
}

/** Turns whatever one item's work threw into the error n8n shows for that item. */
export type ErrorDescriber = (ctx: IExecuteFunctions, error: unknown, itemIndex: number) => NodeOperationError;

/**
 * The default describer: node errors pass through, an ItemError keeps its text and advice, a
 * store outage says which store and what to do, anything else keeps its own message.
 */
export const toNodeError: ErrorDescriber = (ctx, error, itemIndex) => {
	if (error instanceof NodeOperationError) return error;
	if (error instanceof ItemError) {
		const message = error.parameter ? `Parameter "${error.parameter}": ${error.message}` : error.message;
		return new NodeOperationError(ctx.getNode(), message, {
			itemIndex,
			description: error.description,
		});
	}
	const outage = storeOutageError(ctx, error, itemIndex);
	if (outage instanceof NodeOperationError) return outage;
	return new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
};

/**
 * One execution's items: each one either read and ready for the store, or failed on its own.
 * Results are set per item; `route` then sends every item to one output.
 */
export class ItemBatch<T, R = unknown> {
	readonly items: INodeExecutionData[];
	/** the items that passed their own checks, in input order */
	readonly ready: Array<{ itemIndex: number; value: T }> = [];
	private readonly errors: Array<NodeOperationError | undefined>;
	private readonly results: Array<R | undefined>;

	constructor(
		readonly ctx: IExecuteFunctions,
		private readonly describe: ErrorDescriber = toNodeError,
	) {
		this.items = ctx.getInputData();
		this.errors = new Array(this.items.length);
		this.results = new Array(this.items.length);
	}

	/** The ready items' values by item index (undefined for a failed item). */
	valuesByIndex(): Array<T | undefined> {
		const values: Array<T | undefined> = new Array(this.items.length);
		for (const { itemIndex, value } of this.ready) values[itemIndex] = value;
		return values;
	}

	/** The store these items use; when it cannot be reached they all fail with the reason. */
	async storeFor(itemIndexes: number[]): Promise<JourneyStore | undefined> {
		if (itemIndexes.length === 0) return undefined;
		try {
			return await resolveStore(this.ctx, itemIndexes[0]);
		} catch (error) {
			this.failAll(itemIndexes, error);
			return undefined;
		}
	}

	fail(itemIndex: number, error: unknown): void {
		this.errors[itemIndex] = this.describe(this.ctx, error, itemIndex);
	}

	/** The same failure for many items (a store call that failed for its whole batch). */
	failAll(itemIndexes: Iterable<number>, error: unknown): void {
		for (const i of itemIndexes) this.fail(i, error);
	}

	errorOf(itemIndex: number): NodeOperationError | undefined {
		return this.errors[itemIndex];
	}

	set(itemIndex: number, result: R): void {
		this.results[itemIndex] = result;
	}

	resultOf(itemIndex: number): R | undefined {
		return this.results[itemIndex];
	}

	/**
	 * Without Continue On Fail the first failed item fails the node. Called before any store
	 * write, so nothing of the batch is written and the retry after the fix writes each item once.
	 */
	stopOnBadItem(): void {
		if (this.ctx.continueOnFail()) return;
		const first = this.errors.find((e) => e !== undefined);
		if (first) throw first;
	}

	/**
	 * One output item per input item, on the output `place` picks; a failed item goes (with
	 * Continue On Fail) to `errorOutput` with its `error` text, or else fails the node.
	 */
	route(
		outputCount: number,
		errorOutput: number,
		place: (itemIndex: number, result: R) => { output: number; item: INodeExecutionData } | undefined,
	): INodeExecutionData[][] {
		const out: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
		for (let i = 0; i < this.items.length; i++) {
			const error = this.errors[i];
			if (error) {
				if (!this.ctx.continueOnFail()) throw error;
				out[errorOutput].push(errorItem(this.items[i], i, error));
				continue;
			}
			const result = this.results[i];
			if (result === undefined) continue;
			const placed = place(i, result);
			if (placed) out[placed.output].push(placed.item);
		}
		return out;
	}
}

/**
 * Reads every item with `read` (a bad item fails alone), then applies the error policy: without
 * Continue On Fail the first bad item is thrown here, before the caller writes anything.
 */
export function readItems<T, R = unknown>(ctx: IExecuteFunctions, read: (itemIndex: number) => T, describe?: ErrorDescriber): ItemBatch<T, R> {
	const batch = new ItemBatch<T, R>(ctx, describe);
	for (let i = 0; i < batch.items.length; i++) {
		try {
			batch.ready.push({ itemIndex: i, value: read(i) });
		} catch (error) {
			batch.fail(i, error);
		}
	}
	batch.stopOnBadItem();
	return batch;
}

/** The item a failed input item becomes under Continue On Fail. */
export function errorItem(item: INodeExecutionData, itemIndex: number, error: Error): INodeExecutionData {
	return {
		json: { ...item.json, error: error.message },
		pairedItem: { item: itemIndex },
	};
}

/** The input item with `field` set to `value`, its binary kept, paired with itself. */
export function withField(item: INodeExecutionData, itemIndex: number, field: string, value: unknown): INodeExecutionData {
	const out: INodeExecutionData = {
		json: { ...item.json, [field]: value as never },
		pairedItem: { item: itemIndex },
	};
	if (item.binary) out.binary = item.binary;
	return out;
}

/** A text parameter, trimmed; empty when unset. */
export function textOf(value: unknown): string {
	return value === undefined || value === null ? '' : String(value).trim();
}

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
			return jsonPathReader(ctx.getInputData(), simple[1].slice(1).split('.')) as (itemIndex: number) => T;
		}
	}
	if (raw !== undefined && !hasExpression(raw)) {
		let cached: { value: T } | undefined;
		return (itemIndex) => {
			if (!cached)
				cached = {
					value: ctx.getNodeParameter(path, itemIndex, fallback) as T,
				};
			return cached.value;
		};
	}
	return (itemIndex) => ctx.getNodeParameter(path, itemIndex, fallback) as T;
}

/** Reads `keys` (a path such as contact.email, split) from each item's JSON; undefined where absent. */
export function jsonPathReader(items: INodeExecutionData[], keys: string[]): (itemIndex: number) => unknown {
	return (itemIndex) => {
		let value: unknown = items[itemIndex].json;
		for (const key of keys) {
			if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
			value = (value as Record<string, unknown>)[key];
		}
		return value;
	};
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

/**
 * The nodes' defaults read flat items (`{{ $json.contactId }}`), while n8n's Webhook node puts
 * the request payload under `body`. When such a read came out empty, this names the field the
 * item does have under `body`, so the error says what to map instead of only "empty".
 */
export function webhookBodyHint(json: Record<string, unknown> | undefined, field: string, parameter: string): string | undefined {
	if (!json || (json[field] !== undefined && json[field] !== null && json[field] !== '')) return undefined;
	const body = json.body;
	if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
	const value = (body as Record<string, unknown>)[field];
	if (value === undefined || value === null || value === '') return undefined;
	return `The item has no "${field}", but "body.${field}" is set (n8n's Webhook node puts the request under "body"): set "${parameter}" to {{ $json.body.${field} }}, or put a Set node that takes the body's fields before this node.`;
}
