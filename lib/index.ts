/**
 * The one module every node imports at run time. The build bundles this file with its
 * libraries into dist/lib/index.js, so all nodes of the package share one instance of the
 * store registry and the Redis connection pools (Node's module cache), and nothing needs a
 * node_modules beside the installed package. Nodes import only from here.
 */
export * from '../rules';
export type * from './store/types';
export { MemoryStore, getMemoryStore } from './store/memory/MemoryStore';
export { resolveStore, storeProperties, usesTestStore, TEST_STORE_SUFFIX } from './n8n/store';
export {
	errorItem,
	ItemBatch,
	ItemError,
	itemMessage,
	parameterReader,
	readItems,
	textOf,
	toNodeError,
	webhookBodyHint,
	withField,
	type ErrorDescriber,
} from './n8n/items';
export { isoInZone } from './n8n/time';
export { whyNotResumed } from './n8n/explain';
export { journeyEventSigningSecretTest, newSigningSecret, signingSecretProblem } from './n8n/signingSecret';
// events in, journeys resumed: waits, contact state, signatures, resumer
export { makeWaitId } from './store/waits';
export { suppressionOf } from './store/contacts';
export * from './events';
// frequency caps and the Redis store
export { CapRequestError, validateCapRequest, CAP_MAX_LIMIT, CAP_MAX_WINDOW_MS } from './store/caps';
export { StoreUnavailableError } from './store/unavailable';
export { RedisStore, getRedisStore } from './store/redis/RedisStore';
export { closeRedisPool, parseRedisStoreConfig, probeRedis } from './store/redis/connection';
export { CONTACT_KEYS, RedisKeys } from './store/redis/keys';
export { SCRIPTS, loadScripts, sendScript } from './store/redis/scripts';

// the journey context Journey Entry sets and the other nodes key on
export { defaultEntryId, journeyContextOf, journeyNameParameter, type JourneyContext } from './n8n/journey';
export { REDIS_STORE_CREDENTIAL, journeyStoreRedisConnectionTest, storeCredentialTest, storeOutageError } from './n8n/store';
