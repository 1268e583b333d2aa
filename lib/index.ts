/**
 * The one module every node imports at run time. The build bundles this file with its
 * libraries into dist/lib/index.js, so all nodes of the package share one instance of the
 * store registry and the Redis connection pools (Node's module cache), and nothing needs a
 * node_modules beside the installed package. Nodes import only from here.
 */
export * from '../rules';
export type * from './store/types';
export { MemoryStore, getMemoryStore } from './store/memory/MemoryStore';
export { resolveStore, storeProperties } from './n8n/store';
