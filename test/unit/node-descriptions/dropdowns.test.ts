/**
 * Never an empty dropdown: every node of the package (every *.node.ts under nodes/, every
 * version of a versioned node) is read, and every `options` / `multiOptions` parameter at any
 * depth — inside collections and fixed collections too — must list entries or load them, and a
 * fixed default must be one of the entries (n8n flags anything else as an invalid value).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';

const nodesDir = path.resolve(__dirname, '../../../nodes');

function nodeFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return nodeFiles(full);
		return entry.name.endsWith('.node.ts') ? [full] : [];
	});
}

type Parameter = INodeProperties | INodePropertyCollection;

/** Every parameter with the path the marketer would follow to it. */
function walk(properties: readonly Parameter[], trail: string, out: Array<{ where: string; parameter: INodeProperties }>) {
	for (const parameter of properties) {
		if ('values' in parameter && Array.isArray(parameter.values)) {
			walk(parameter.values, `${trail} > ${parameter.displayName}`, out);
			continue;
		}
		const property = parameter as INodeProperties;
		const where = `${trail} > ${property.displayName} (${property.name})`;
		out.push({ where, parameter: property });
		if ((property.type === 'collection' || property.type === 'fixedCollection') && Array.isArray(property.options)) {
			walk(property.options as Parameter[], where, out);
		}
	}
	return out;
}

/** The descriptions of every node class in a file, one per version. */
async function descriptionsOf(file: string): Promise<INodeTypeDescription[]> {
	const module = (await import(file)) as Record<string, unknown>;
	const descriptions: INodeTypeDescription[] = [];
	for (const exported of Object.values(module)) {
		if (typeof exported !== 'function') continue;
		const instance = new (exported as new () => INodeType & { nodeVersions?: Record<string, INodeType> })();
		if (instance.nodeVersions) descriptions.push(...Object.values(instance.nodeVersions).map((n) => n.description));
		else if (instance.description) descriptions.push(instance.description);
	}
	return descriptions;
}

const files = nodeFiles(nodesDir);

describe('every dropdown of every node lists entries', () => {
	it('finds the package nodes (any depth under nodes/)', () => {
		expect(files.map((f) => path.basename(f))).toEqual(
			expect.arrayContaining(['SegmentFilter.node.ts', 'FrequencyCap.node.ts', 'WaitUntilEvent.node.ts', 'JourneyEvent.node.ts', 'JourneyEventTrigger.node.ts']),
		);
	});

	it('the check itself flags an empty dropdown, a default outside its entries and a nested one', () => {
		const problems = dropdownProblems({
			displayName: 'Broken',
			version: 1,
			properties: [
				{ displayName: 'Operator', name: 'operator', type: 'options', default: '' },
				{ displayName: 'Mode', name: 'mode', type: 'options', options: [{ name: 'A', value: 'a' }], default: 'b' },
				{
					displayName: 'Rows',
					name: 'rows',
					type: 'fixedCollection',
					default: {},
					options: [{ name: 'row', displayName: 'Row', values: [{ displayName: 'Kind', name: 'kind', type: 'multiOptions', options: [], default: [] }] }],
				},
			],
		} as unknown as INodeTypeDescription);
		expect(problems.problems).toEqual([
			'Broken v1 > Operator (operator): no entries and no load-options method',
			'Broken v1 > Mode (mode): default "b" is not one of its entries',
			'Broken v1 > Rows (rows) > Row > Kind (kind): no entries and no load-options method',
		]);
	});

	for (const file of files) {
		it(path.relative(nodesDir, file), async () => {
			const descriptions = await descriptionsOf(file);
			expect(descriptions.length).toBeGreaterThan(0);
			const results = descriptions.map(dropdownProblems);
			expect(results.flatMap((r) => r.problems)).toEqual([]);
			expect(results.reduce((n, r) => n + r.dropdowns, 0)).toBeGreaterThan(0);
		}, 60_000);
	}
});

function dropdownProblems(description: INodeTypeDescription): { problems: string[]; dropdowns: number } {
	const problems: string[] = [];
	let dropdowns = 0;
	const version = Array.isArray(description.version) ? description.version.join('/') : description.version;
	for (const { where, parameter } of walk(description.properties, `${description.displayName} v${version}`, [])) {
		if (parameter.type !== 'options' && parameter.type !== 'multiOptions') continue;
		dropdowns++;
		const loads = Boolean(parameter.typeOptions?.loadOptionsMethod || parameter.typeOptions?.loadOptions);
		const entries = (parameter.options ?? []) as INodePropertyOptions[];
		if (!loads && entries.length === 0) {
			problems.push(`${where}: no entries and no load-options method`);
			continue;
		}
		if (loads) continue;
		const values = new Set(entries.map((o) => o.value));
		const defaults = parameter.type === 'multiOptions' ? (parameter.default as unknown[]) : [parameter.default];
		if (!Array.isArray(defaults)) {
			problems.push(`${where}: a multi-select default must be a list`);
			continue;
		}
		for (const value of defaults) {
			if (typeof value === 'string' && value.startsWith('=')) continue; // an expression
			if (!values.has(value as string)) problems.push(`${where}: default ${JSON.stringify(value)} is not one of its entries`);
		}
	}
	return { problems, dropdowns };
}
