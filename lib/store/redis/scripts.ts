import type { ChainableCommander, Redis } from 'ioredis';
import capApply from './scripts/cap-apply-n.lua';
import eventsRecord from './scripts/events-record-2.lua';
import contactUpdate from './scripts/contact-update-1.lua';
import sendClaim from './scripts/send-claim-1.lua';
import waitClaim from './scripts/wait-claim-1.lua';
import waitFind from './scripts/wait-find-2.lua';
import waitRegister from './scripts/wait-register-2.lua';
import waitRemove from './scripts/wait-remove-2.lua';

/**
 * The Lua scripts, one file each (BullMQ style: `<name>-<numberOfKeys>.lua`, `-n` when the
 * caller passes the key count). Each file's header lists KEYS, ARGV and the return value.
 *
 * `loadScripts` registers them on a client with ioredis `defineCommand`: ioredis sends a
 * script's source once per connection (EVAL), then only its SHA (EVALSHA), and falls back to
 * EVAL after a NOSCRIPT (e.g. Redis restarted). `sendScript` is the one way to call them, on a
 * client or inside a pipeline. To add a script: add the file and one line here.
 */
export const SCRIPTS = {
	capApply: { lua: capApply, keys: 'n' },
	eventsRecord: { lua: eventsRecord, keys: 2 },
	waitRegister: { lua: waitRegister, keys: 2 },
	waitFind: { lua: waitFind, keys: 2 },
	waitClaim: { lua: waitClaim, keys: 1 },
	waitRemove: { lua: waitRemove, keys: 2 },
	contactUpdate: { lua: contactUpdate, keys: 1 },
	sendClaim: { lua: sendClaim, keys: 1 },
} as const satisfies Record<string, { lua: string; keys: number | 'n' }>;

export type ScriptName = keyof typeof SCRIPTS;
type ScriptTarget = Redis | ChainableCommander;
type ScriptFn = (...args: Array<string | number>) => Promise<unknown> | ChainableCommander;

const loaded = new WeakSet<Redis>();

/** Registers every script on the client (idempotent); call before creating pipelines. */
export function loadScripts(client: Redis): void {
	if (loaded.has(client)) return;
	for (const [name, script] of Object.entries(SCRIPTS)) {
		client.defineCommand(name, script.keys === 'n' ? { lua: script.lua } : { lua: script.lua, numberOfKeys: script.keys });
	}
	loaded.add(client);
}

/**
 * Calls a script: on a client it returns the reply promise; on a pipeline it queues the call
 * (the reply comes from `exec`).
 */
export function sendScript(target: Redis, name: ScriptName, keys: string[], args: Array<string | number>): Promise<unknown>;
export function sendScript(target: ChainableCommander, name: ScriptName, keys: string[], args: Array<string | number>): ChainableCommander;
export function sendScript(target: ScriptTarget, name: ScriptName, keys: string[], args: Array<string | number>): unknown {
	const script = SCRIPTS[name];
	const fn = (target as unknown as Record<string, ScriptFn | undefined>)[name];
	if (typeof fn !== 'function') throw new Error(`Redis script "${name}" is not loaded on this client: call loadScripts first`);
	if (script.keys === 'n') return fn.call(target, keys.length, ...keys, ...args);
	if (keys.length !== script.keys) throw new Error(`Redis script "${name}" takes ${script.keys} keys, got ${keys.length}`);
	return fn.call(target, ...keys, ...args);
}
