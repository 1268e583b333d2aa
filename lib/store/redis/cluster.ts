import { Cluster, Command, type ChainableCommander } from 'ioredis';
import { SCRIPTS, sendScript, type ScriptName } from './scripts';
import { keySlot } from './slots';

type Reply = [Error | null, unknown];

/** How often a batch re-sends the calls a slot migration or failover answered MOVED. */
const MOVED_RETRIES = 2;

interface QueuedCall {
	name: string;
	args: unknown[];
	keys: Array<string | Buffer>;
	slot: number;
}

/**
 * The store's Redis Cluster client. Every store call builds one pipeline for a whole batch, and
 * a batch names contacts in many slots; ioredis sends a Cluster pipeline to one master only (it
 * refuses one whose keys live on several), so this client's `pipeline()` returns a
 * ClusterBatch: calls are queued as they come and, at `exec`, sent as one pipeline per master,
 * all at once, with the replies put back in call order. Every call itself still touches one
 * slot (a contact's keys share its hash tag; see keys.ts), which Cluster requires of a script.
 */
export class JourneyCluster extends Cluster {
	// ioredis types pipeline() as returning ChainableCommander; ClusterBatch answers the same calls
	override pipeline(commands?: unknown[][]): ChainableCommander {
		if (commands) throw new Error('JourneyCluster.pipeline takes no commands: queue them on the batch');
		return new ClusterBatch(this) as unknown as ChainableCommander;
	}

	/** The ordinary one-master pipeline of ioredis (ClusterBatch sends one per master). */
	masterPipeline(): ChainableCommander {
		return super.pipeline();
	}
}

/**
 * A batch of calls to a cluster (see JourneyCluster): any command or store script can be
 * queued on it as on an ioredis pipeline (`batch.hmget(...)`, `sendScript(batch, ...)`); `exec`
 * resolves to one [error, reply] per call, like ioredis. A call whose keys span two slots is a
 * bug in the store (Cluster would refuse it with CROSSSLOT): it throws when queued.
 */
export class ClusterBatch {
	private readonly calls: QueuedCall[] = [];
	private readonly self: ClusterBatch;
	private acks = 0;
	private ackTimeoutMs = 0;
	/** not an ioredis pipeline: sendScript queues store scripts by name here (see execGroup) */
	readonly isPipeline = false;

	constructor(private readonly owner: JourneyCluster) {
		// any command name queues a call: the store uses a dozen commands and all its scripts
		this.self = new Proxy(this, {
			get: (target, property, receiver) => {
				if (typeof property !== 'string' || property in target) return Reflect.get(target, property, receiver);
				// not a thenable
				if (property === 'then') return undefined;
				return (...args: unknown[]) => {
					target.queue(property, args);
					return target.self;
				};
			},
		});
		return this.self;
	}

	get length(): number {
		return this.calls.length;
	}

	/**
	 * Makes `exec` end each master's pipeline with WAIT: a call's reply then stands only once
	 * `replicas` replicas of its master confirmed the writes (else it is a replicaShortfall error).
	 */
	confirmWrites(replicas: number, timeoutMs: number): void {
		this.acks = replicas;
		this.ackTimeoutMs = timeoutMs;
	}

	private queue(name: string, args: unknown[]): void {
		const keys = keysOf(name, args);
		const slot = keys.length === 0 ? -1 : keySlot(keys[0]);
		for (const key of keys) {
			if (keySlot(key) !== slot) throw new Error(`Redis Cluster call "${name}" names keys in several hash slots (${String(keys[0])}, ${String(key)})`);
		}
		this.calls.push({ name, args, keys, slot });
	}

	async exec(): Promise<Reply[]> {
		const results = new Array<Reply>(this.calls.length);
		let pending = this.calls.map((_, i) => i);
		for (let attempt = 0; ; attempt++) {
			await this.execOnce(pending, results);
			// a call answered MOVED ran nowhere (its slot moved, e.g. a replica was promoted): once
			// the slot map is fresh it is sent again, to the new master, a bounded number of times
			const moved = pending.filter((i) => results[i][0]?.message?.startsWith('MOVED '));
			if (moved.length === 0 || attempt === MOVED_RETRIES) return results;
			await new Promise<void>((resolve) => this.owner.refreshSlotsCache(() => resolve()));
			pending = moved;
		}
	}

	/** Sends the calls at `indexes`, one pipeline per master, all at once; fills their results. */
	private async execOnce(indexes: number[], results: Reply[]): Promise<void> {
		// calls grouped by the master serving their slot (by slot while the slot map is unknown)
		const groups = new Map<string, number[]>();
		for (const i of indexes) {
			const { slot } = this.calls[i];
			const master = slot < 0 ? 'any' : (this.owner.slots[slot]?.[0] ?? `slot ${slot}`);
			const group = groups.get(master);
			if (group) group.push(i);
			else groups.set(master, [i]);
		}
		await Promise.all([...groups.values()].map((group) => this.execGroup(group, results)));
	}

	private async execGroup(indexes: number[], results: Reply[]): Promise<void> {
		const pipeline = this.owner.masterPipeline() as unknown as Record<string, (...args: unknown[]) => unknown> & ChainableCommander;
		for (const i of indexes) {
			const { name, args, keys } = this.calls[i];
			if (!(name in SCRIPTS)) pipeline[name](...args);
			else {
				// a store script, queued as sendScript called it: [key count], keys, deadline, arguments
				const from = (SCRIPTS[name as ScriptName].keys === 'n' ? 1 : 0) + keys.length;
				sendScript(pipeline, name as ScriptName, keys as string[], args.slice(from + 1) as Array<string | number>, Number(args[from]));
			}
		}
		const acks = this.acks;
		if (acks > 0) pipeline.call('WAIT', acks, this.ackTimeoutMs);
		let replies: Reply[];
		try {
			replies = ((await pipeline.exec()) ?? []) as Reply[];
		} catch (error) {
			for (const i of indexes) results[i] = [error as Error, undefined];
			return;
		}
		const shortfall = acks > 0 ? replicaShortfall(replies[indexes.length], acks) : undefined;
		indexes.forEach((i, j) => {
			results[i] = shortfall && !replies[j][0] ? [shortfall, undefined] : (replies[j] ?? [new Error('Redis Cluster dropped a reply'), undefined]);
		});
	}
}

/**
 * The error that stands for writes a master applied but fewer replicas than required confirmed
 * (the WAIT reply), or undefined when enough did: a failover now could lose those writes, so the
 * caller must not act on them.
 */
export function replicaShortfall(reply: Reply | undefined, acks: number): Error | undefined {
	if (!reply) return new Error('no reply to WAIT');
	const [error, count] = reply;
	if (error) return error;
	if (Number(count) >= acks) return undefined;
	return new Error(`${REPLICA_SHORTFALL} only ${Number(count)} of ${acks} replicas confirmed the writes in time`);
}

/** The first word of replicaShortfall's message. */
export const REPLICA_SHORTFALL = 'JOURNEYS_REPLICAS';

/** The keys of a call, as Redis Cluster routes it: a store script's by its key count, a command's by ioredis' table. */
function keysOf(name: string, args: unknown[]): Array<string | Buffer> {
	const script = (SCRIPTS as Record<string, { keys: number | 'n' } | undefined>)[name];
	if (script) {
		const count = script.keys === 'n' ? Number(args[0]) : script.keys;
		const from = script.keys === 'n' ? 1 : 0;
		return args.slice(from, from + count) as string[];
	}
	return new Command(name, args as string[]).getKeys() as Array<string | Buffer>;
}
