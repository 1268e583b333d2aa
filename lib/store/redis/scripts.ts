import { createHash } from 'node:crypto';
import { Command, type ChainableCommander, type Cluster, type Redis } from 'ioredis';
import capApply from './scripts/cap-apply-n.lua';
import eventsRecord from './scripts/events-record-2.lua';
import contactUpdate from './scripts/contact-update-1.lua';
import scoreApply from './scripts/score-apply-2.lua';
import sendClaim from './scripts/send-claim-1.lua';
import waitClaim from './scripts/wait-claim-1.lua';
import waitFind from './scripts/wait-find-2.lua';
import waitRegister from './scripts/wait-register-2.lua';
import waitRemove from './scripts/wait-remove-2.lua';
import journeyEnter from './scripts/journey-enter-2.lua';
import journeyExit from './scripts/journey-exit-2.lua';
import deliveryHold from './scripts/delivery-hold-1.lua';
import deliveryRelease from './scripts/delivery-release-1.lua';
import journeyGoal from './scripts/journey-goal-2.lua';
import journeyMark from './scripts/journey-mark-1.lua';
import journeyConvert from './scripts/journey-convert-1.lua';
import kpiAdd from './scripts/kpi-add-1.lua';
import kpiIndex from './scripts/kpi-index-1.lua';

/**
 * The Lua scripts, one file each (BullMQ style: `<name>-<numberOfKeys>.lua`, `-n` when the
 * caller passes the key count). Each file's header lists KEYS, ARGV and the return value.
 *
 * `loadScripts` registers them on a client with ioredis `defineCommand`: ioredis sends a
 * script's source once per connection (EVAL), then only its SHA (EVALSHA), and falls back to
 * EVAL after a NOSCRIPT (e.g. Redis restarted). `sendScript` is the one way to call them, on a
 * client or inside a pipeline. To add a script: add the file and one line here.
 *
 * Every script takes the caller's deadline first (see DEADLINE_PRELUDE): a call that reaches
 * Redis after its caller gave up (a frozen or overloaded server) writes nothing.
 */
export const SCRIPTS = {
	capApply: { lua: capApply, keys: 'n' },
	eventsRecord: { lua: eventsRecord, keys: 2 },
	waitRegister: { lua: waitRegister, keys: 2 },
	waitFind: { lua: waitFind, keys: 2 },
	waitClaim: { lua: waitClaim, keys: 1 },
	waitRemove: { lua: waitRemove, keys: 2 },
	contactUpdate: { lua: contactUpdate, keys: 1 },
	journeyEnter: { lua: journeyEnter, keys: 2 },
	journeyExit: { lua: journeyExit, keys: 2 },
	deliveryHold: { lua: deliveryHold, keys: 1 },
	deliveryRelease: { lua: deliveryRelease, keys: 1 },
	scoreApply: { lua: scoreApply, keys: 2 },
	sendClaim: { lua: sendClaim, keys: 1 },
	journeyGoal: { lua: journeyGoal, keys: 2 },
	journeyMark: { lua: journeyMark, keys: 1 },
	journeyConvert: { lua: journeyConvert, keys: 1 },
	kpiAdd: { lua: kpiAdd, keys: 1 },
	kpiIndex: { lua: kpiIndex, keys: 1 },
} as const satisfies Record<string, { lua: string; keys: number | 'n' }>;

/** The first word of a script's reply when it ran after its deadline (see DEADLINE_PRELUDE). */
export const DEADLINE_ERROR = 'JOURNEYS_DEADLINE';

export type ScriptName = keyof typeof SCRIPTS;
type ScriptTarget = Redis | Cluster | ChainableCommander;
type ScriptFn = (...args: Array<string | number>) => Promise<unknown> | ChainableCommander;

/**
 * Put before every script: ARGV[1] is the caller's deadline in epoch ms on the Redis server's
 * clock (0 = none). It is taken off ARGV, so each script's own header numbers its arguments
 * after it. Once the server's TIME is past the deadline the script returns an error before it
 * touches a key: its caller has already decided without it (Capped store_unavailable, a 503),
 * and a late write would count a message nobody sent or block a retry. The server time it read
 * (epoch ms, nil when there is no deadline) is left in the local `preludeTimeMs`, so a script
 * need not call TIME again.
 */
export const DEADLINE_PRELUDE = `local preludeTimeMs = nil
do
  local deadline = tonumber(table.remove(ARGV, 1)) or 0
  if deadline > 0 then
    local t = redis.call('TIME')
    local serverNow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    preludeTimeMs = serverNow
    if serverNow > deadline then
      return redis.error_reply('${DEADLINE_ERROR} server time ' .. serverNow .. ' ms is past the deadline ' .. deadline .. ' ms; nothing was written')
    end
  end
end
`;

const loaded = new WeakSet<Redis | Cluster>();

/** Registers every script on the client (idempotent); call before creating pipelines. */
export function loadScripts(client: Redis | Cluster): void {
	if (loaded.has(client)) return;
	for (const [name, script] of Object.entries(SCRIPTS)) {
		const lua = DEADLINE_PRELUDE + script.lua;
		client.defineCommand(name, script.keys === 'n' ? { lua } : { lua, numberOfKeys: script.keys });
	}
	loaded.add(client);
}

/**
 * Calls a script: on a client it returns the reply promise; on a pipeline it queues the call
 * (the reply comes from `exec`). `serverDeadline` is epoch ms on the Redis server's clock
 * (RedisContext.serverDeadline), 0 for a call that may run however late.
 */
export function sendScript(target: Redis | Cluster, name: ScriptName, keys: string[], args: Array<string | number>, serverDeadline: number): Promise<unknown>;
export function sendScript(
	target: ChainableCommander,
	name: ScriptName,
	keys: string[],
	args: Array<string | number>,
	serverDeadline: number,
): ChainableCommander;
export function sendScript(target: ScriptTarget, name: ScriptName, keys: string[], args: Array<string | number>, serverDeadline: number): unknown {
	const script = SCRIPTS[name];
	const fn = (target as unknown as Record<string, ScriptFn | undefined>)[name];
	if (typeof fn !== 'function') throw new Error(`Redis script "${name}" is not loaded on this client: call loadScripts first`);
	const deadline = Math.max(0, Math.floor(serverDeadline));
	if (script.keys !== 'n' && keys.length !== script.keys) throw new Error(`Redis script "${name}" takes ${script.keys} keys, got ${keys.length}`);
	const pipeline = target as unknown as Partial<QueuingPipeline>;
	if (pipeline.isPipeline && !pipeline.redis?.options?.keyPrefix) return queueScript(pipeline as QueuingPipeline, name, keys, args, deadline);
	if (script.keys === 'n') return fn.call(target, keys.length, ...keys, deadline, ...args);
	return fn.call(target, ...keys, deadline, ...args);
}

/** What queueScript uses of an ioredis pipeline. */
interface QueuingPipeline {
	isPipeline: true;
	redis: { options?: { keyPrefix?: string }; sendCommand(command: Command): Promise<unknown> };
	sendCommand(command: Command): ChainableCommander;
}
const UTF8 = { replyEncoding: 'utf8' } as const;

/** A script as pipelined calls send it: its source (prelude included), its SHA1, the connections that have it. */
interface PipelinedScript {
	lua: string;
	sha: string;
	/** sockets the source was sent on (EVAL); forgotten after a NOSCRIPT reply */
	sentOn: WeakSet<object>;
}
const pipelinedScripts = new Map<ScriptName, PipelinedScript>();

function pipelinedScript(name: ScriptName): PipelinedScript {
	let script = pipelinedScripts.get(name);
	if (script === undefined) {
		const lua = DEADLINE_PRELUDE + SCRIPTS[name].lua;
		script = { lua, sha: createHash('sha1').update(lua).digest('hex'), sentOn: new WeakSet() };
		pipelinedScripts.set(name, script);
	}
	return script;
}

/**
 * One pipelined script call, sent as ioredis' own script commands are: EVAL with the source the
 * first time on a connection, EVALSHA after. Unlike those it needs no wrapper closure per call
 * (a batch can queue one call per contact, and that wrapper cost as much as the rest of the call).
 */
class ScriptCall extends Command {
	constructor(
		private readonly script: PipelinedScript,
		args: Array<string | number>,
	) {
		super('evalsha', args, UTF8);
	}

	toWritable(socket: object): string | Buffer {
		if (!this.script.sentOn.has(socket)) {
			this.script.sentOn.add(socket);
			this.name = 'eval';
			this.args[0] = this.script.lua;
		}
		return super.toWritable(socket);
	}
}

/**
 * Queues a script call on a pipeline. A server that lost its scripts (SCRIPT FLUSH, a promoted
 * replica) answers NOSCRIPT on a live connection: the call did not run, so it is sent again on
 * the client, with its source.
 */
function queueScript(pipeline: QueuingPipeline, name: ScriptName, keys: string[], args: Array<string | number>, deadline: number): ChainableCommander {
	const script = pipelinedScript(name);
	const callArgs = new Array<string | number>(keys.length + args.length + 3);
	callArgs[0] = script.sha;
	callArgs[1] = keys.length;
	let at = 2;
	for (let i = 0; i < keys.length; i++) callArgs[at++] = keys[i];
	callArgs[at++] = deadline;
	for (let i = 0; i < args.length; i++) callArgs[at++] = args[i];
	const call = new ScriptCall(script, callArgs);
	call.promise = call.promise.catch((error: Error) => {
		if (!String(error?.message).includes('NOSCRIPT')) throw error;
		script.sentOn = new WeakSet();
		return pipeline.redis.sendCommand(new ScriptCall(script, callArgs));
	});
	return pipeline.sendCommand(call);
}
