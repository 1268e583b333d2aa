// strict mode is off (package.json n8n.strict: false): this package needs timers, sockets and
// Redis, which n8n Cloud's restricted-globals/imports rules forbid. It targets self-hosted n8n.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

// The community-node rules are about code that runs inside n8n. Tests, benchmarks and dev
// scripts and the command line (cli/) run outside it: they spawn processes, print to the
// terminal and throw plain errors.
const outsideN8n = Object.fromEntries(
	Object.keys(n8nCommunityNodesPlugin.rules).map((rule) => [`@n8n/community-nodes/${rule}`, 'off']),
);

export default [
	...configWithoutCloudSupport,
	{ ignores: ['dist/**', 'coverage/**', 'test-artifacts/**', 'rules/.build/**'] },
	{
		files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'cli/**/*.ts'],
		rules: {
			...outsideN8n,
			'no-console': 'off',
			'no-control-regex': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
		},
	},
];
