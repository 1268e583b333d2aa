import type {
	AppliedRule,
	ScoreLogEntry,
	ScoreOptions,
	ScoreResetRequest,
	ScoreSettings,
	ScoreState,
	ScoreStore,
	ScoreUpdate,
} from '../scores';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

type Mode = 'apply' | 'read' | 'reset';

/**
 * Lead scores on Redis: one score-apply-2.lua call per contact step (apply, read or reset), all
 * of a batch pipelined in one round trip. Update keys are stored as keyed digests (they are
 * often event ids that may hold PII).
 */
export class RedisScoreStore implements ScoreStore {
	constructor(private readonly ctx: RedisContext) {}

	apply(updates: ScoreUpdate[], options: ScoreOptions): Promise<ScoreState[]> {
		return this.run(
			'apply',
			updates.map((u) => ({
				contactId: u.contactId,
				payload: {
					...(u.key !== undefined ? { key: this.ctx.keys.digest('score-key', `${u.contactId}\u0000${u.key}`) } : {}),
					awards: u.awards.map((a) => ({
						r: a.rule,
						g: a.group,
						p: a.points,
						k: a.repeat.kind,
						...(a.repeat.kind === 'atMost' ? { n: a.repeat.n } : a.repeat.kind === 'oncePer' ? { ms: a.repeat.ms } : {}),
					})),
				},
			})),
			options,
		);
	}

	get(contactIds: string[], options: ScoreOptions): Promise<ScoreState[]> {
		return this.run('read', contactIds.map((contactId) => ({ contactId, payload: {} })), options);
	}

	reset(requests: ScoreResetRequest[], options: ScoreOptions): Promise<ScoreState[]> {
		return this.run('reset', requests.map((r) => ({ contactId: r.contactId, payload: { groups: r.groups } })), options);
	}

	async log(contactIds: string[], limit: number): Promise<ScoreLogEntry[][]> {
		if (contactIds.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const id of contactIds) pipeline.lrange(this.ctx.keys.key(id, 'scoreLog'), 0, Math.max(0, limit - 1));
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply) =>
			(reply as string[]).map((raw) => {
				const entry = JSON.parse(raw) as ScoreLogEntry;
				entry.rules = list(entry.rules);
				entry.crossed = list(entry.crossed);
				if (entry.reset !== undefined) entry.reset = list(entry.reset);
				return entry;
			}),
		);
	}

	private async run(mode: Mode, calls: Array<{ contactId: string; payload: object }>, options: ScoreOptions): Promise<ScoreState[]> {
		if (calls.length === 0) return [];
		const deadline = this.ctx.deadline(options.timeoutMs);
		await this.ctx.ready(deadline);
		const settings = JSON.stringify(encodeSettings(options.settings));
		const time = String(this.ctx.timeArg());
		// a read writes nothing, so it may answer however late; changes carry the deadline
		const serverDeadline = mode === 'read' ? 0 : this.ctx.serverDeadline(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const call of calls) {
			const tag = this.ctx.keys.contactTag(call.contactId);
			sendScript(pipeline, 'scoreApply', [this.ctx.keys.keyForTag(tag, 'scoreState'), this.ctx.keys.keyForTag(tag, 'scoreLog')], [
				time,
				mode,
				Math.round(options.ttlSeconds * 1000),
				options.logLimit,
				settings,
				JSON.stringify(call.payload),
			], serverDeadline);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply, i) => {
			const raw = JSON.parse(reply as string) as Record<string, unknown>;
			return {
				contactId: calls[i].contactId,
				total: raw.total as number,
				groups: Array.isArray(raw.groups) ? {} : (raw.groups as Record<string, number>),
				delta: raw.delta as number,
				crossed: list<string>(raw.crossed),
				above: list<string>(raw.above),
				applied: list<AppliedRule>(raw.applied),
				duplicate: raw.duplicate === true,
				at: raw.at as number,
			};
		});
	}
}

/** cjson writes an empty Lua table as {}: read anything that is not an array as empty. */
function list<T>(value: unknown): T[] {
	return Array.isArray(value) ? (value as T[]) : [];
}

function encodeSettings(settings: ScoreSettings): object {
	return {
		groups: Object.entries(settings.groups).map(([n, g]) => ({
			n,
			...(g.cap !== undefined ? { c: g.cap } : {}),
			k: g.decay.kind,
			...(g.decay.kind === 'linear' ? { f: g.decay.fraction, ms: g.decay.stepMs } : g.decay.kind === 'none' ? {} : { ms: g.decay.ms }),
		})),
		...(settings.totalCap !== undefined ? { tc: settings.totalCap } : {}),
		th: settings.thresholds.map((t) => [t.name, t.score, t.group]),
	};
}
