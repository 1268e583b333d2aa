/**
 * The clone command without n8n: its arguments and their errors, the copy it makes of a
 * template, the templates folder, and what the bin prints. test/e2e/clone.test.ts runs it
 * against a real n8n.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { INodeType, INodeTypeDescription } from 'n8n-workflow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
	CloneError,
	DEFAULT_N8N_URL,
	DEFAULT_REDIS_URL,
	NODES_WITH_STORE,
	clientCopy,
	cloneForClient,
	formatCloneResult,
	parseCloneArgs,
	readTemplates,
} from '../../../cli/clone';
import { main } from '../../../cli/main';

const root = path.resolve(__dirname, '../../..');

/** A port nothing listens on: taken from the system, then let go. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}
const base = ['--client', 'acme', '--api-key', 'k'];

function parseError(argv: string[], env: Record<string, string> = {}): string {
	try {
		parseCloneArgs(argv, env);
	} catch (error) {
		expect(error).toBeInstanceOf(CloneError);
		return (error as Error).message;
	}
	throw new Error(`parseCloneArgs(${argv.join(' ')}) did not fail`);
}

describe('clone arguments', () => {
	it('reads every option, in both --flag value and --flag=value forms, with defaults', () => {
		expect(parseCloneArgs(base)).toEqual({
			client: 'acme',
			templates: 'all',
			n8nUrl: DEFAULT_N8N_URL,
			apiKey: 'k',
			activate: false,
			redisUrl: DEFAULT_REDIS_URL,
			namespace: 'acme',
			credentials: {},
			templatesDir: undefined,
		});
		expect(
			parseCloneArgs([
				'--client=Beta_2',
				'--templates',
				'cart-abandonment, onboarding.json',
				'--n8n-url=https://n8n.example.com/',
				'--api-key',
				'secret=with=equals',
				'--activate',
				'--redis-url',
				'rediss://u:p@redis.example.com:6380/2',
				'--namespace',
				'beta-prod',
				'--credential',
				'journeyEventSigningApi=Beta signing',
				'--credential=channelSendSmtpApi=Beta SMTP',
				'--templates-dir',
				'/tmp/t',
			]),
		).toEqual({
			client: 'Beta_2',
			templates: ['cart-abandonment', 'onboarding'],
			n8nUrl: 'https://n8n.example.com',
			apiKey: 'secret=with=equals',
			activate: true,
			redisUrl: 'rediss://u:p@redis.example.com:6380/2',
			namespace: 'beta-prod',
			credentials: { journeyEventSigningApi: 'Beta signing', channelSendSmtpApi: 'Beta SMTP' },
			templatesDir: '/tmp/t',
		});
	});

	it('takes the n8n address and the API key from N8N_URL and N8N_API_KEY; flags win', () => {
		const env = { N8N_URL: 'http://n8n.internal:5678', N8N_API_KEY: 'from-env' };
		expect(parseCloneArgs(['--client', 'acme'], env)).toMatchObject({ n8nUrl: 'http://n8n.internal:5678', apiKey: 'from-env' });
		expect(parseCloneArgs([...base, '--n8n-url', 'http://other:1'], env)).toMatchObject({ n8nUrl: 'http://other:1', apiKey: 'k' });
	});

	it('answers --help', () => {
		expect(parseCloneArgs(['--client', 'acme', '--help'])).toBe('help');
		expect(parseCloneArgs(['-h'])).toBe('help');
	});

	it('names what is missing or wrong, and how to fix it', () => {
		expect(parseError(['--api-key', 'k'])).toMatch(/Missing --client <name>/);
		expect(parseError(['--client', 'acme'])).toMatch(/Missing the n8n API key: pass --api-key <key> or set N8N_API_KEY/);
		expect(parseError([...base, '--colour', 'red'])).toBe('Unknown option --colour. See --help for the options.');
		expect(parseError([...base, 'clone'])).toMatch(/Unexpected argument "clone"/);
		expect(parseError(['--client'])).toBe('--client needs a value.');
		expect(parseError(['--client', '--activate'])).toBe('--client needs a value.');
		expect(parseError([...base, '--client', 'beta'])).toBe('--client is given twice.');
		expect(parseError([...base, '--activate=yes'])).toBe('--activate takes no value.');
		expect(parseError(['--client', 'Acme Corp', '--api-key', 'k'])).toMatch(/--client "Acme Corp" is not a client name: use 1 to 17 letters/);
		expect(parseError(['--client', 'a-very-long-client-name', '--api-key', 'k'])).toMatch(/n8n keeps tags to 24 characters/);
		expect(parseError(['--client', '-acme', '--api-key', 'k'])).toMatch(/starting with a letter or digit/);
		expect(parseError([...base, '--n8n-url', 'localhost:5678'])).toMatch(/--n8n-url "localhost:5678" is not an http\(s\) address/);
		expect(parseError([...base, '--n8n-url', 'ftp://x'])).toMatch(/is not an http\(s\) address/);
		expect(parseError([...base, '--redis-url', 'http://redis:6379'])).toMatch(/--redis-url "http:\/\/redis:6379" must look like redis:\/\/host:6379/);
		expect(parseError([...base, '--namespace', 'acme prod'])).toMatch(/--namespace "acme prod" must be 1 to 54 letters/);
		expect(parseError([...base, '--namespace', 'n'.repeat(55)])).toMatch(/must be 1 to 54/);
		expect(parseError([...base, '--credential', 'journeyEventSigningApi'])).toMatch(/--credential takes <type>=<credential name>/);
		expect(parseError([...base, '--credential', '=Acme'])).toMatch(/--credential takes/);
		expect(parseError([...base, '--templates', ' , '])).toMatch(/--templates needs "all" or template names/);
	});
});

const template = {
	name: 'Cart abandonment',
	nodes: [
		{ id: '1', name: 'Cart Events', type: 'n8n-nodes-journeys.journeyEventTrigger', typeVersion: 1, position: [0, 0], webhookId: 'w-1',
			parameters: { path: 'cart-events', store: 'memory' },
			credentials: { journeyEventSigningApi: { id: '', name: '' } } },
		// a node saved with the default store has no `store` parameter at all
		{ id: '2', name: 'Enter Journey', type: 'n8n-nodes-journeys.journeyEntry', typeVersion: 1, position: [200, 0], parameters: {} },
		{ id: '3', name: 'Wait for Purchase', type: 'n8n-nodes-journeys.waitUntilEvent', typeVersion: 1, position: [400, 0], webhookId: 'w-3', parameters: { store: 'redis' },
			credentials: { journeyStoreRedisApi: { id: '', name: '' } } },
		{ id: '4', name: 'Push', type: 'n8n-nodes-journeys.channelSend', typeVersion: 1, position: [600, 0], parameters: {},
			credentials: { channelSendFcmApi: { id: '', name: '' } } },
		{ id: '5', name: 'Note', type: 'n8n-nodes-base.stickyNote', typeVersion: 1, position: [0, -300], parameters: { content: '## Cart' } },
	],
	connections: {},
	settings: { executionOrder: 'v1' },
};

describe("a client's copy of a template", () => {
	const store = { id: 'c-9', name: 'Journey store · acme' };

	it('is named for the client, uses its store credential on every node that keeps state, and listens on its own webhook paths', () => {
		const copy = clientCopy(template, 'acme', store, { journeyEventSigningApi: { id: 's-1', name: 'Acme signing' }, slackApi: { id: 'x', name: 'not in the template' } });
		expect(copy.name).toBe('acme · Cart abandonment');
		const byName = Object.fromEntries(copy.nodes.map((n: any) => [n.name, n]));
		for (const name of ['Cart Events', 'Enter Journey', 'Wait for Purchase', 'Push']) {
			expect(byName[name].parameters.store, name).toBe('redis');
			expect(byName[name].credentials.journeyStoreRedisApi, name).toEqual(store);
		}
		expect(byName['Cart Events'].credentials.journeyEventSigningApi).toEqual({ id: 's-1', name: 'Acme signing' });
		expect(byName['Push'].credentials.channelSendFcmApi).toEqual({ id: '', name: '' }); // left for the user
		expect(byName['Push'].credentials.slackApi).toBeUndefined();
		expect(byName['Note'].credentials).toBeUndefined();
		expect(byName['Note'].parameters).toEqual({ content: '## Cart' });
		expect(byName['Cart Events'].parameters.path).toBe('acme/cart-events');
		expect(byName['Cart Events'].webhookId).not.toBe('w-1');
		expect(byName['Wait for Purchase'].webhookId).not.toBe('w-3');
		// the template itself is untouched
		expect(template.nodes[0].parameters.path).toBe('cart-events');
		expect(template.name).toBe('Cart abandonment');
	});

	it('NODES_WITH_STORE lists exactly the package nodes that declare the Journey Store (Redis) credential', { timeout: 60_000 }, async () => {
		const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
		const withStore: string[] = [];
		for (const file of pkg.n8n.nodes as string[]) {
			const source = path.join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
			for (const exported of Object.values(await import(source))) {
				if (typeof exported !== 'function') continue;
				const instance = new (exported as new () => INodeType & { nodeVersions?: Record<string, INodeType> })();
				const versions: INodeTypeDescription[] = instance.nodeVersions
					? Object.values(instance.nodeVersions).map((n) => n.description)
					: [instance.description];
				if (versions.some((d) => d.credentials?.some((c) => c.name === 'journeyStoreRedisApi'))) {
					withStore.push(`n8n-nodes-journeys.${instance.description.name}`);
				}
			}
		}
		expect([...NODES_WITH_STORE].sort()).toEqual(withStore.sort());
	});
});

describe('the templates folder', () => {
	it('reads every *.json by file name, and says what is wrong with a bad one', () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'clone-templates-'));
		expect(() => readTemplates(dir)).toThrow(`No template (*.json) in ${dir}.`);
		writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ name: 'B' }));
		writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ name: 'A' }));
		writeFileSync(path.join(dir, 'notes.md'), '#');
		expect([...readTemplates(dir).entries()]).toEqual([['a', { name: 'A' }], ['b', { name: 'B' }]]);
		writeFileSync(path.join(dir, 'c.json'), '{ nope');
		expect(() => readTemplates(dir)).toThrow(/Template .*c\.json is not valid JSON/);
		expect(() => readTemplates(path.join(dir, 'missing'))).toThrow('No templates folder at');
	});

	it('refuses an unknown template name before calling n8n, listing the ones there are', async () => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'clone-templates-'));
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, 'cart-abandonment.json'), JSON.stringify(template));
		await expect(
			cloneForClient({ client: 'acme', templates: ['cart', 'onboarding'], n8nUrl: 'http://127.0.0.1:1', apiKey: 'k', templatesDir: dir }),
		).rejects.toThrow('No template named "cart", "onboarding". Templates: cart-abandonment (or all).');
	});

	it('reads the package templates folder by default', () => {
		expect([...readTemplates().keys()]).toEqual(['cart-abandonment', 'onboarding', 'post-purchase', 'win-back']);
	});
});

describe('the bin', () => {
	afterEach(() => vi.restoreAllMocks());

	function capture() {
		const out: string[] = [];
		const err: string[] = [];
		vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
		vi.spyOn(console, 'error').mockImplementation((s: string) => void err.push(s));
		return { out, err };
	}

	it('prints the usage for no command (exit 2), help (exit 0) and an unknown command (exit 2)', async () => {
		const { out, err } = capture();
		expect(await main([], {})).toBe(2);
		expect(await main(['clone', '--help'], {})).toBe(0);
		expect(out.join('\n')).toContain('Usage: npx n8n-nodes-journeys clone --client <name>');
		expect(await main(['copy'], {})).toBe(2);
		expect(err.join('\n')).toMatch(/^Unknown command "copy"/);
	});

	it('prints a bad flag as one line, no stack trace (exit 1)', async () => {
		const { err } = capture();
		expect(await main(['clone', '--api-key', 'k'], {})).toBe(1);
		expect(err).toEqual(['✖ Missing --client <name>: whose copies to make (e.g. --client acme).']);
	});

	it('says n8n cannot be reached, and how to point at it (exit 1)', async () => {
		const { err } = capture();
		const dir = mkdtempSync(path.join(os.tmpdir(), 'clone-templates-'));
		writeFileSync(path.join(dir, 'cart-abandonment.json'), JSON.stringify(template));
		const port = await closedPort();
		expect(await main(['clone', '--client', 'acme', '--api-key', 'k', '--n8n-url', `http://127.0.0.1:${port}`, '--templates-dir', dir], {})).toBe(1);
		expect(err.join('\n')).toBe(
			`✖ Cannot reach n8n at http://127.0.0.1:${port} (ECONNREFUSED). Is n8n running there? Pass its address with --n8n-url (or N8N_URL).`,
		);
	});
});

describe('the printed summary', () => {
	it('shows the credential and each copy with what happened to it', () => {
		const text = formatCloneResult({
			client: 'acme',
			tag: 'client:acme',
			namespace: 'acme',
			credential: { id: '7', name: 'Journey store · acme', created: true },
			workflows: [
				{ template: 'cart-abandonment', name: 'acme · Cart abandonment', id: '12', created: true, active: false, activated: false,
					url: 'http://n8n:5678/workflow/12', webhookPaths: ['acme/cart-events'] },
				{ template: 'win-back', name: 'acme · Win-back', id: '13', created: false, active: true, activated: false, url: 'http://n8n:5678/workflow/13', webhookPaths: [] },
				{ template: 'onboarding', name: 'acme · Onboarding', id: '14', created: true, active: false, activated: false, activationError: 'Node "Email" has no credentials',
					url: 'http://n8n:5678/workflow/14', webhookPaths: [] },
			],
		});
		expect(text.split('\n')).toEqual([
			'Client acme: tag client:acme, key namespace "acme"',
			'  Journey store · acme     credential created (id 7)',
			'  acme · Cart abandonment  created, inactive  http://n8n:5678/workflow/12  webhook /webhook/acme/cart-events',
			'  acme · Win-back          already there, unchanged, active  http://n8n:5678/workflow/13',
			'  acme · Onboarding        created, NOT activated: Node "Email" has no credentials  http://n8n:5678/workflow/14',
			'Open each copy, set its remaining credentials (event signing, email, SMS, push) and activate it.',
		]);
	});
});
