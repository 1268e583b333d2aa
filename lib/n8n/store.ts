import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeProperties,
	IWebhookFunctions,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { getMemoryStore } from '../store/memory/MemoryStore';
import { parseRedisStoreConfig, probeRedis } from '../store/redis/connection';
import { getRedisStore } from '../store/redis/RedisStore';
import type { JourneyStore } from '../store/types';
import { StoreUnavailableError } from '../store/unavailable';

/** The credential type of the Redis store (credentials/JourneyStoreRedisApi.credentials.ts). */
export const REDIS_STORE_CREDENTIAL = 'journeyStoreRedisApi';
/** The node method that tests it; nodes list it under `methods.credentialTest`. */
export const REDIS_STORE_CREDENTIAL_TEST = 'journeyStoreRedisConnectionTest';

/** The "Store" parameter every node that keeps state shows, so the marketer sees where it lives. */
export const storeProperties: INodeProperties[] = [
	{
		displayName: 'Store',
		name: 'store',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'In-Memory (This n8n Process Only)',
				value: 'memory',
				description:
					'For trials and development: kept in this n8n process, lost on restart, not shared between queue-mode workers',
			},
			{
				name: 'Redis',
				value: 'redis',
				description:
					'For production: shared by every n8n process and queue-mode worker, survives restarts; one key namespace per client',
			},
		],
		default: 'memory',
		description: 'Where counters, events and scores are kept',
	},
	{
		displayName:
			'The in-memory store lives in this n8n process only: it is lost on restart and not shared between queue-mode workers. Use Redis in production.',
		name: 'memoryStoreNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { store: ['memory'] } },
	},
	{
		displayName: 'Test Runs Use',
		name: 'testRunStore',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'A Separate Test Store',
				value: 'test',
				description: 'Runs started from the editor read and write their own store; real contacts are untouched',
			},
			{
				name: 'The Production Store',
				value: 'production',
				description: 'Runs started from the editor act on real contacts, as active workflows do',
			},
		],
		default: 'test',
		description: 'Where runs started from the editor (Execute step, Execute workflow, test webhooks) keep their state',
	},
	{
		displayName:
			'Test runs from the editor use a separate test store: what they record, reserve or erase stays there, and they see only what earlier test runs wrote. Active workflows use the real store.',
		name: 'testStoreNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { testRunStore: ['test'] } },
	},
	{
		displayName:
			'Test runs from the editor act on the real store: every click on Execute records, reserves and erases for real contacts.',
		name: 'productionTestNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { testRunStore: ['production'] } },
	},
];

/** Appended to the key namespace (or names the memory store) of the store test runs use. */
export const TEST_STORE_SUFFIX = '.test-runs';
const MAX_NAMESPACE = 64;

/** The credential test: connects, round-trips, and fails on an eviction policy other than noeviction. */
export async function journeyStoreRedisConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted<ICredentialDataDecryptedObject>,
): Promise<INodeCredentialTestResult> {
	let config;
	try {
		config = parseRedisStoreConfig((credential.data ?? {}) as Record<string, unknown>);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const result = await probeRedis(config);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}

/**
 * `methods.credentialTest` of a node that has the "Store" parameter. Each such node lists the
 * `journeyStoreRedisApi` credential literally (shown for store = redis, testedBy this test):
 * the community lint reads credential usages from literal arrays in the node files.
 */
export const storeCredentialTest = { [REDIS_STORE_CREDENTIAL_TEST]: journeyStoreRedisConnectionTest };

type StoreContext = IExecuteFunctions | IWebhookFunctions;

/**
 * Whether this run keeps its state in the test store: a run started from the editor (n8n's
 * `manual` mode, which test webhooks also run in) of a node left on "Test Runs Use: A Separate
 * Test Store".
 */
export function usesTestStore(ctx: StoreContext, itemIndex = 0): boolean {
	if (typeof ctx.getMode !== 'function' || ctx.getMode() !== 'manual') return false;
	return (ctx.getNodeParameter('testRunStore', itemIndex, 'test') as string) !== 'production';
}

/**
 * The store a node's "Store" parameter points at; one instance per process and credential.
 * Test runs get the test store (see `usesTestStore`); n8n resumes a waiting execution in its
 * own mode, so a test run's wait finds its registration there again.
 */
export async function resolveStore(ctx: StoreContext, itemIndex = 0): Promise<JourneyStore> {
	const test = usesTestStore(ctx, itemIndex);
	const kind = (ctx.getNodeParameter('store', itemIndex, 'memory') as string) ?? 'memory';
	if (kind === 'memory') return getMemoryStore(test ? `default${TEST_STORE_SUFFIX}` : undefined);
	if (kind === 'redis') {
		let data: ICredentialDataDecryptedObject;
		try {
			data = await ctx.getCredentials(REDIS_STORE_CREDENTIAL, itemIndex);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), `No Journey Store (Redis) credential: ${(error as Error).message}`, {
				itemIndex,
				description: 'Select a "Journey Store (Redis)" credential on the node, or set "Store" to In-Memory.',
			});
		}
		let config;
		try {
			config = parseRedisStoreConfig(data as Record<string, unknown>);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), `The Journey Store (Redis) credential is invalid: ${(error as Error).message}`, {
				itemIndex,
				description: 'Open the credential and fix the field the message names.',
			});
		}
		if (!test) return getRedisStore(config);
		if (config.namespace.length + TEST_STORE_SUFFIX.length > MAX_NAMESPACE) {
			throw new NodeOperationError(ctx.getNode(), `The key namespace "${config.namespace}" is too long for a test store`, {
				itemIndex,
				description: `Test runs use the namespace followed by "${TEST_STORE_SUFFIX}", which must fit in ${MAX_NAMESPACE} characters: shorten the namespace to ${MAX_NAMESPACE - TEST_STORE_SUFFIX.length} characters, or set "Test Runs Use" to The Production Store.`,
			});
		}
		return getRedisStore({ ...config, namespace: config.namespace + TEST_STORE_SUFFIX });
	}
	throw new NodeOperationError(ctx.getNode(), `Unknown store "${kind}"`, {
		itemIndex,
		description: 'Set the node\'s "Store" parameter to In-Memory or Redis.',
	});
}

/**
 * A store that did not answer, as a node error a user can act on: which store and credential,
 * what happened, what to do. Other errors pass through unchanged.
 */
export function storeOutageError(ctx: StoreContext, error: unknown, itemIndex = 0): unknown {
	if (!(error instanceof StoreUnavailableError)) return error;
	const credential = ctx.getNode().credentials?.[REDIS_STORE_CREDENTIAL]?.name;
	const which = credential ? `the "${credential}" credential (Journey Store (Redis))` : 'its Journey Store (Redis) credential';
	return new NodeOperationError(ctx.getNode(), `The journey store did not answer: ${error.message}`, {
		itemIndex,
		description:
			`${error.detail ? `Cause: ${error.detail}. ` : ''}The node reads and writes through ${which}. ` +
			'Check that this Redis server is running and reachable from n8n (host, port, password, TLS), then retry the execution; ' +
			"raise the credential's Command Timeout if Redis is only slow.",
	});
}
