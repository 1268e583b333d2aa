import type { INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { assignVariant, ExperimentError, getMemoryStore, inGlobalHoldout, unitHash, validateExperiment, type Experiment } from '../../../lib';
import { JourneySplit } from '../../../nodes/JourneySplit/JourneySplit.node';
import { executeContext } from '../helpers/executeContext';

const N = 100_000;
const ids = Array.from({ length: N }, (_, i) => `contact-${i}`);
const experiment = (weights: number[], holdoutPercent = 0, name = 'subject-test'): Experiment => ({
	name,
	variants: weights.map((weight, i) => ({ name: String.fromCharCode(65 + i), weight })),
	holdoutPercent,
});
const shares = (e: Experiment) => {
	const counts = new Map<string, number>();
	for (const id of ids) {
		const v = assignVariant(e, id);
		counts.set(v, (counts.get(v) ?? 0) + 1);
	}
	return new Map([...counts].map(([v, n]) => [v, n / N]));
};

describe('split assignment', { timeout: 60_000 }, () => {
	it('maps the keyed hash to [0, 1) uniformly (mean ½, each tenth ≈ 10 %)', () => {
		const deciles = new Array(10).fill(0);
		let sum = 0;
		for (const id of ids) {
			const u = unitHash('split', 'x', id);
			expect(u).toBeGreaterThanOrEqual(0);
			expect(u).toBeLessThan(1);
			sum += u;
			deciles[Math.floor(u * 10)]++;
		}
		expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.005);
		for (const d of deciles) expect(Math.abs(d / N - 0.1)).toBeLessThan(0.01);
	});

	it('gives each of 100 000 contacts the same variant every time (sticky, no store)', () => {
		const e = experiment([30, 30, 40], 10);
		const first = ids.map((id) => assignVariant(e, id));
		const again = ids.map((id) => assignVariant({ ...e, variants: e.variants.map((v) => ({ ...v })) }, id));
		expect(again).toEqual(first);
	}, 30_000);

	it.each([
		[[50, 50], 0],
		[[60, 40], 0],
		[[20, 30, 50], 0],
		[[12.5, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5, 12.5], 0],
		[[50, 50], 10],
		[[70, 30], 20],
	])('puts 100 000 contacts within ±1 %% of each weight: %j with holdout %d %%', (weights, holdout) => {
		const e = experiment(weights, holdout);
		const got = shares(e);
		if (holdout > 0) expect(Math.abs(got.get('holdout')! - holdout / 100)).toBeLessThanOrEqual(0.01);
		const rest = 1 - holdout / 100;
		e.variants.forEach((v) => expect(Math.abs((got.get(v.name) ?? 0) - (v.weight / 100) * rest), v.name).toBeLessThanOrEqual(0.01));
	});

	it('moves at most 10 % + ε of contacts when 50/50 becomes 60/40, all of them from B to A', () => {
		const before = experiment([50, 50]);
		const after = experiment([60, 40]);
		let moved = 0;
		for (const id of ids) {
			const a = assignVariant(before, id);
			const b = assignVariant(after, id);
			if (a !== b) {
				moved++;
				if (a !== 'B' || b !== 'A') throw new Error(`${id} moved from ${a} to ${b}`);
			}
		}
		expect(moved / N).toBeLessThanOrEqual(0.1 + 0.005);
		expect(moved / N).toBeGreaterThan(0.09);
	}, 30_000);

	it('moves only what a new variant takes when one is added (50/50 → 40/40/20), and nobody when variants are reordered', () => {
		const before = experiment([50, 50]);
		const after = experiment([40, 40, 20]);
		const reordered = { ...before, variants: [...before.variants].reverse() };
		let moved = 0;
		let reshuffled = 0;
		for (const id of ids) {
			const a = assignVariant(before, id);
			const b = assignVariant(after, id);
			if (a !== b) {
				moved++;
				if (b !== 'C') throw new Error(`${id} moved from ${a} to ${b}`);
			}
			if (assignVariant(reordered, id) !== a) reshuffled++;
		}
		expect(moved / N).toBeLessThanOrEqual(0.2 + 0.005);
		expect(reshuffled).toBe(0);
	});

	it('never moves a holdout contact when the variant weights change', () => {
		const before = experiment([50, 50], 10);
		const after = experiment([20, 30, 50], 10);
		let held = 0;
		let changed = 0;
		for (const id of ids) {
			const was = assignVariant(before, id) === 'holdout';
			if (was) held++;
			if (was !== (assignVariant(after, id) === 'holdout')) changed++;
		}
		expect(held).toBeGreaterThan(9000);
		expect(changed).toBe(0);
	}, 30_000);

	it('assigns independently per experiment name', () => {
		const a = experiment([50, 50], 0, 'one');
		const b = experiment([50, 50], 0, 'two');
		let same = 0;
		for (const id of ids) if (assignVariant(a, id) === assignVariant(b, id)) same++;
		expect(Math.abs(same / N - 0.5)).toBeLessThan(0.01);
	});

	it('puts about the global holdout percentage of contacts in the global holdout, per namespace', () => {
		let held = 0;
		let both = 0;
		for (const id of ids) {
			const x = inGlobalHoldout(id, 5, 'client-a');
			if (x) held++;
			if (x && inGlobalHoldout(id, 5, 'client-b')) both++;
		}
		expect(Math.abs(held / N - 0.05)).toBeLessThanOrEqual(0.005);
		expect(both / N).toBeLessThan(0.005); // independent groups: about 0.25 %
		expect(inGlobalHoldout('x', 0, 'client-a')).toBe(false);
	});

	it.each([
		[experiment([100]), 'Variants', /1 variant: an experiment has 2 to 8/],
		[experiment([10, 10, 10, 10, 10, 10, 10, 10, 20]), 'Variants', /9 variants/],
		[experiment([50, 40]), 'Variants', /sum to 90, not 100 \(A 50, B 40\)/],
		[{ ...experiment([50, 50]), variants: [{ name: 'A', weight: 50 }, { name: 'A', weight: 50 }] }, 'Variants', /two variants are called "A"/],
		[{ ...experiment([50, 50]), variants: [{ name: 'A', weight: 50 }, { name: 'Holdout', weight: 50 }] }, 'Variants', /the name of the holdout/],
		[experiment([50, 50], 100), 'Holdout (%)', /Holdout \(%\) is 100/],
	])('refuses a bad experiment with the parameter and a fix (%#)', (e, parameter, message) => {
		let error: unknown;
		try {
			validateExperiment(e);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ExperimentError);
		expect((error as ExperimentError).parameter).toBe(parameter);
		expect((error as ExperimentError).message).toMatch(message);
		expect((error as ExperimentError).fix.length).toBeGreaterThan(10);
	});
});

const node = new JourneySplit();
const fromItem = (field: string) => (_: number, item: INodeExecutionData) => item.json[field];
const variantsParam = (weights: Array<[string, number]>) => weights.map(([name, weight]) => ({ name, weight }));
const run = (items: Array<Record<string, unknown>>, parameters: Record<string, unknown>, continueOnFail = false) =>
	node.execute.call(
		executeContext({
			items,
			continueOnFail,
			parameters: {
				experimentName: '',
				contactId: fromItem('contactId'),
				'variants.values': variantsParam([['A', 50], ['B', 50]]),
				holdoutPercent: 0,
				store: 'memory',
				...parameters,
			},
		}),
	);

/** The node's `outputs` expression, evaluated as n8n's editor does for given parameters. */
function outputsFor(parameters: Record<string, unknown>): Array<{ type: string; displayName: string }> {
	const expression = String(node.description.outputs);
	const body = /^=\{\{([\s\S]*)\}\}$/.exec(expression)![1];
	return new Function('$parameter', `return (${body});`)(parameters);
}

describe('Journey Split node', () => {
	it('declares one output per variant named after it, and Holdout when a holdout is set', () => {
		expect(node.description.name).toBe('journeySplit');
		expect(node.description.usableAsTool).toBe(true);
		expect(outputsFor({ variants: { values: variantsParam([['A', 50], ['B', 50]]) }, holdoutPercent: 0 }).map((o) => o.displayName)).toEqual(['A', 'B']);
		expect(outputsFor({ variants: { values: variantsParam([['short', 30], ['long', 30], ['emoji', 40]]) }, holdoutPercent: 10 })).toEqual([
			{ type: 'main', displayName: 'short' },
			{ type: 'main', displayName: 'long' },
			{ type: 'main', displayName: 'emoji' },
			{ type: 'main', displayName: 'Holdout' },
		]);
		const defaults = node.description.properties.find((p) => p.name === 'variants')!.default;
		expect(outputsFor({ variants: defaults, holdoutPercent: 0 }).map((o) => o.displayName)).toEqual(['A', 'B']);
	});

	it('routes each contact to its variant output with experiment { name, variant }; the name defaults to the journey', async () => {
		const items = ids.slice(0, 2000).map((contactId) => ({ contactId, journey: { name: 'cart', entryId: `e-${contactId}` } }));
		const out = await run(items, { 'variants.values': variantsParam([['A', 45], ['B', 45], ['C', 10]]), holdoutPercent: 10 });
		expect(out).toHaveLength(4);
		expect(out.flat()).toHaveLength(2000);
		const e: Experiment = { name: 'cart', variants: [{ name: 'A', weight: 45 }, { name: 'B', weight: 45 }, { name: 'C', weight: 10 }], holdoutPercent: 10 };
		['A', 'B', 'C', 'holdout'].forEach((variant, output) => {
			expect(out[output].length).toBeGreaterThan(0);
			for (const item of out[output]) {
				expect(item.json.experiment).toEqual({ name: 'cart', variant });
				expect(assignVariant(e, String(item.json.contactId))).toBe(variant);
			}
		});
		expect(out[0][0].pairedItem).toEqual({ item: items.findIndex((i) => i.contactId === out[0][0].json.contactId) });
	});

	it('counts "assigned" per variant for items in a journey, in the node\'s store', async () => {
		const journey = `cart-${Math.random().toString(36).slice(2, 8)}`;
		const items = ids.slice(0, 500).map((contactId) => ({ contactId, journey: { name: journey, entryId: `e-${contactId}` } }));
		const out = await run([...items, { contactId: 'no-journey' }], { holdoutPercent: 10 });
		const store = getMemoryStore();
		const counts = await store.kpis.read({ journeys: [journey], fromDay: store.kpis.today(), toDay: store.kpis.today() });
		const byVariant = Object.fromEntries(counts.map((c) => [c.variant, c.count]));
		expect(counts.every((c) => c.step === 'Node Under Test' && c.outcome === 'assigned')).toBe(true);
		expect(byVariant).toEqual({ A: out[0].filter((i) => i.json.journey).length, B: out[1].filter((i) => i.json.journey).length, holdout: out[2].filter((i) => i.json.journey).length });
		expect(byVariant.A + byVariant.B + byVariant.holdout).toBe(500);
	});

	it('uses Experiment Name, else the workflow name without a journey', async () => {
		const named = await run([{ contactId: 'c-1' }], { experimentName: 'subject-line' });
		expect(named.flat()[0].json.experiment).toMatchObject({ name: 'subject-line' });
		const plain = await run([{ contactId: 'c-1' }], {});
		expect(plain.flat()[0].json.experiment).toMatchObject({ name: 'Test Workflow' });
	});

	it('stops on weights that do not sum to 100 with the parameter and the fix', async () => {
		const error = await run([{ contactId: 'c-1' }], { 'variants.values': variantsParam([['A', 50], ['B', 30]]) }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).message).toBe('Parameter "Variants": the variant weights sum to 80, not 100 (A 50, B 30)');
		expect((error as NodeOperationError).description).toMatch(/add up to 100/);
	});

	it('names the item with an empty contact id; with Continue On Fail it leaves on the first output with its error', async () => {
		const error = await run([{ contactId: 'c-1' }, { contactId: '' }], {}).catch((e: unknown) => e);
		expect((error as NodeOperationError).message).toBe('Parameter "Contact ID": Item 2: Contact ID is empty');
		const out = await run([{ contactId: 'c-1' }, { contactId: '' }], {}, true);
		expect(out[0].find((i) => i.json.error)?.json.error).toMatch(/Item 2: Contact ID is empty/);
		expect(out.flat()).toHaveLength(2);
	});
});
