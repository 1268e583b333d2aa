/**
 * Every node with a "Store" parameter that offers Redis must declare the Redis store credential
 * (shown for store = redis) and its test: otherwise n8n refuses getCredentials at run time and
 * the editor shows no credential picker.
 */
import path from 'node:path';
import type { INodeType } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import pkg from '../../../package.json';

const root = path.resolve(__dirname, '../../..');
const nodes = pkg.n8n.nodes.map((file) => {
	const source = path.join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
	const className = path.basename(file).replace(/\.node\.js$/, '');
	return { className, source };
});

describe('nodes with a Store parameter', () => {
	it.each(nodes)('$className declares the Redis store credential when it offers Redis', async ({ className, source }) => {
		const instance = new ((await import(source)) as Record<string, new () => INodeType & { nodeVersions?: Record<string, INodeType> }>)[className]();
		// a versioned node: every version
		for (const node of instance.nodeVersions ? Object.values(instance.nodeVersions) : [instance]) {
			const store = node.description.properties.find((p) => p.name === 'store');
			const offersRedis = store?.options?.some((o) => 'value' in o && o.value === 'redis') ?? false;
			const credential = node.description.credentials?.find((c) => c.name === 'journeyStoreRedisApi');
			expect(Boolean(credential), `${className}: Store offers Redis = ${offersRedis}`).toBe(offersRedis);
			if (!credential) continue;
			expect(credential.displayOptions).toEqual({ show: { store: ['redis'] } });
			expect(credential.testedBy).toBe('journeyStoreRedisConnectionTest');
			expect(Object.keys(node.methods?.credentialTest ?? {})).toContain('journeyStoreRedisConnectionTest');
		}
	});
});
