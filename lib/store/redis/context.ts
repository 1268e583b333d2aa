import type { ChainableCommander } from 'ioredis';
import { StoreUnavailableError } from '../unavailable';
import { clockSkewMs, ensureReady, storeFailure, withDeadline, type StoreClient } from './connection';
import type { RedisKeys } from './keys';
import { DEADLINE_ERROR } from './scripts';
import { ClusterBatch, replicaShortfall } from './cluster';

/** A reply that stands for a script call refused past its deadline (execAllowingLate). */
export const LATE = Symbol('late');

/**
 * What every Redis concept store (events, caps, and those to come) shares: the client, the key
 * builder, the decision deadline and the test clock offset.
 */
export class RedisContext {
	constructor(
		readonly client: StoreClient,
		readonly keys: RedisKeys,
		/** default bound on one store call, ms (the credential's command timeout) */
		readonly defaultTimeoutMs: number,
		/** where, for error messages (host:port, never credentials) */
		readonly where: string,
		private readonly offset: () => number = () => 0,
		private readonly frozen?: () => number | undefined,
		/** replicas that must confirm a call's writes (RedisStoreConfig.replicaAcks), 0 = none */
		readonly replicaAcks = 0,
	) {}

	/** ms added to the Redis server clock inside scripts: 0 in production, moved by tests. */
	offsetMs(): number {
		const frozen = this.frozen?.();
		return frozen === undefined ? this.offset() : frozen - Date.now();
	}

	/**
	 * The time argument (ARGV[1]) of scripts that accept a frozen test clock: the offset in ms,
	 * or "@<epoch ms>" when a test froze the clock (so boundaries can be hit to the millisecond).
	 */
	timeArg(): number | string {
		const frozen = this.frozen?.();
		return frozen === undefined ? this.offset() : `@${frozen}`;
	}

	/**
	 * The epoch ms (host clock) by which a call must be decided: the caller's own deadline (one
	 * for a whole execution), else now + its timeout, else now + the credential's timeout.
	 */
	deadline(bound: number | { timeoutMs?: number; deadline?: number } = {}): number {
		if (typeof bound === 'number') return Date.now() + bound;
		return bound.deadline ?? Date.now() + (bound.timeoutMs ?? this.defaultTimeoutMs);
	}

	/**
	 * The deadline a script gets (see DEADLINE_PRELUDE): on the server's clock, and a little
	 * early, so that a script that did write has its reply back before the caller gives up.
	 */
	serverDeadline(deadline: number): number {
		const margin = Math.min(50, Math.max(2, (deadline - Date.now()) / 10));
		return deadline + clockSkewMs(this.client) - margin;
	}

	ready(deadline: number): Promise<void> {
		return ensureReady(this.client, deadline, this.where);
	}

	/**
	 * Runs a pipeline within the deadline and returns each command's reply; any failed command
	 * fails the whole call (StoreUnavailableError), since the batch is decided together.
	 */
	async exec(pipeline: ChainableCommander, deadline: number): Promise<unknown[]> {
		return this.execAllowingLate(pipeline, deadline, false);
	}

	/**
	 * Like exec, but a script that refused to run past its deadline answers LATE in its place
	 * instead of failing the batch, for callers that report "nothing was written" per item.
	 */
	async execAllowingLate(pipeline: ChainableCommander, deadline: number, allowLate = true): Promise<unknown[]> {
		const results = await withDeadline(this.confirmed(pipeline, deadline), deadline, this.where);
		if (!results) throw new StoreUnavailableError(`Redis at ${this.where} discarded the batch`);
		return results.map(([error, reply]) => {
			if (error && allowLate && error.message?.startsWith(DEADLINE_ERROR)) return LATE;
			if (error) throw storeFailure(error, this.where);
			return reply;
		});
	}

	/**
	 * Runs the pipeline; with replica confirmations, its writes count only once that many replicas
	 * hold them (WAIT at the end of each master's pipeline, bounded by the deadline): a reply
	 * whose writes a failover could still lose becomes an error, so no node acts on it.
	 */
	private async confirmed(pipeline: ChainableCommander, deadline: number): Promise<Array<[Error | null, unknown]> | null> {
		if (this.replicaAcks <= 0) return pipeline.exec();
		// WAIT 0 would block forever: at least 1 ms, and leave time for the reply
		const waitMs = Math.max(1, Math.floor((deadline - Date.now()) * 0.8));
		if (pipeline instanceof ClusterBatch) {
			pipeline.confirmWrites(this.replicaAcks, waitMs);
			return pipeline.exec();
		}
		pipeline.call('WAIT', this.replicaAcks, waitMs);
		const results = await pipeline.exec();
		if (!results) return results;
		const shortfall = replicaShortfall(results.pop(), this.replicaAcks);
		return shortfall ? results.map(([error, reply]) => (error ? [error, reply] : [shortfall, undefined])) : results;
	}
}
