import type {
	Conversion,
	ConversionClaim,
	EnterOptions,
	EntryDecision,
	EntryReason,
	EntryRequest,
	EntrySend,
	EntryStore,
	EntryVariant,
	ExitOutcome,
	ExitRequest,
	GoalQuery,
	OpenGoal,
} from '../entries';
import { validateEntryRequest } from '../entries';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Journey entries on Redis (journey-enter-2.lua, journey-exit-2.lua): per contact a hash of
 * entries and last entries and a zset of live entries by end time, both in the contact's hash
 * slot. Journey names, entry ids and entry keys appear only as keyed digests. A batch is one
 * pipeline; each request is one script call, atomic for its contact.
 *
 * Conversion goals (journey-goal-2.lua, journey-mark-1.lua, journey-convert-1.lua) live in a third
 * key of the contact, `…:goals`: the names a conversion is counted under (journey, variant, step)
 * are sealed there (RedisKeys.seal), the goal's event name is a keyed digest.
 */
export class RedisEntryStore implements EntryStore {
	constructor(private readonly ctx: RedisContext) {}

	async enter(requests: EntryRequest[], options: EnterOptions): Promise<EntryDecision[]> {
		if (requests.length === 0) return [];
		for (const request of requests) validateEntryRequest(request);
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const serverDeadline = this.ctx.serverDeadline(deadline);
		const pipeline = this.ctx.client.pipeline();
		const time = this.ctx.timeArg();
		/** pipeline positions of the goal scripts' replies, left out of the decisions */
		const goalReplies = new Set<number>();
		let position = 0;
		for (const r of requests) {
			const { keys, digest } = this.contact(r.contactId);
			position++; // the entry's decision
			if (r.goal) goalReplies.add(position++);
			sendScript(pipeline, 'journeyEnter', keys, [
				time,
				Math.round(options.rememberSeconds * 1000),
				digest('journey', r.journey),
				digest('entry', r.entryId),
				r.key ? digest('entry-key', r.key) : '',
				r.reentry,
				Math.round(Number(r.reentryAfterMs ?? 0)),
				r.whileActive,
				Math.round(r.maxDurationMs),
			], serverDeadline);
			// same contact, same slot: a new entry takes its goal right after it is recorded
			if (r.goal) {
				sendScript(pipeline, 'journeyGoal', [keys[0], this.goalsKey(r.contactId)], [
					time,
					digest('journey', r.journey),
					digest('entry', r.entryId),
					digest('goal-event', r.goal.event),
					Math.round(r.goal.windowMs),
					this.ctx.keys.seal(r.journey),
					this.ctx.keys.seal(r.goal.conditions ?? ''),
					this.ctx.keys.seal(r.variant ?? ''),
				], serverDeadline);
			}
		}
		const replies = (await this.ctx.exec(pipeline, deadline)).filter((_, i) => !goalReplies.has(i));
		return replies.map((reply) => {
			const [entered, reason, enteredAt, retryAt, lastEnteredAt] = reply as [number, EntryReason, number, number, number];
			return {
				entered: entered === 1,
				reason,
				enteredAt: Number(enteredAt),
				retryAt: retryAt < 0 ? null : Number(retryAt),
				lastEnteredAt: lastEnteredAt < 0 ? null : Number(lastEnteredAt),
			};
		});
	}

	async exit(requests: ExitRequest[]): Promise<ExitOutcome[]> {
		if (requests.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const serverDeadline = this.ctx.serverDeadline(deadline);
		const pipeline = this.ctx.client.pipeline();
		const time = this.ctx.timeArg();
		for (const r of requests) {
			const { keys, digest } = this.contact(r.contactId);
			sendScript(pipeline, 'journeyExit', keys, [time, digest('journey', r.journey), r.key ? digest('entry-key', r.key) : ''], serverDeadline);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply) => ({ exited: Number(reply) }));
	}

	async setVariant(requests: EntryVariant[]): Promise<void> {
		await this.mark('v', requests.map((r) => ({ ...r, value: r.variant })));
	}

	async recordSend(requests: EntrySend[]): Promise<void> {
		await this.mark('s', requests.map((r) => ({ ...r, value: r.step })));
	}

	async openGoals(queries: GoalQuery[]): Promise<OpenGoal[][]> {
		if (queries.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const q of queries) pipeline.hgetall(this.goalsKey(q.contactId));
		const replies = await this.ctx.exec(pipeline, deadline);
		return queries.map((q, i) => {
			const hash = replies[i] as Record<string, string>;
			const eventDigest = this.contact(q.contactId).digest('goal-event', q.event);
			const open: OpenGoal[] = [];
			for (const field of Object.keys(hash)) {
				if (!field.startsWith('g:')) continue;
				const ref = field.slice(2);
				if (hash[`c:${ref}`] !== undefined) continue;
				const [enteredAt, until, digest, , conditions] = hash[field].split('|');
				if (digest !== eventDigest || !(Number(enteredAt) <= q.at && q.at <= Number(until))) continue;
				open.push({ ref, conditions: this.ctx.keys.unseal(conditions ?? '') });
			}
			return open;
		});
	}

	async convert(claims: ConversionClaim[]): Promise<Conversion[]> {
		if (claims.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const serverDeadline = this.ctx.serverDeadline(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const c of claims) sendScript(pipeline, 'journeyConvert', [this.goalsKey(c.contactId)], [c.ref, Date.now()], serverDeadline);
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply) => {
			const [converted, goal, variant, step] = reply as [number, string, string, string];
			const unseal = (text: string) => this.ctx.keys.unseal(text);
			return { converted: converted === 1, journey: unseal(goal.split('|')[3] ?? ''), variant: unseal(variant), step: unseal(step) };
		});
	}

	private async mark(what: 'v' | 's', requests: Array<{ contactId: string; journey: string; entryId: string; value: string }>): Promise<void> {
		if (requests.length === 0) return;
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const serverDeadline = this.ctx.serverDeadline(deadline);
		const pipeline = this.ctx.client.pipeline();
		// one step or variant name per batch, usually: seal it once
		const sealed = new Map<string, string>();
		for (const r of requests) {
			const { digest } = this.contact(r.contactId);
			let value = sealed.get(r.value);
			if (value === undefined) sealed.set(r.value, (value = this.ctx.keys.seal(r.value)));
			sendScript(pipeline, 'journeyMark', [this.goalsKey(r.contactId)], [what, `${digest('journey', r.journey)}:${digest('entry', r.entryId)}`, value], serverDeadline);
		}
		await this.ctx.exec(pipeline, deadline);
	}

	private goalsKey(contactId: string): string {
		return this.ctx.keys.key(contactId, 'journeyGoals');
	}

	private contact(contactId: string) {
		const { tag, secret } = this.ctx.keys.contactHash(contactId);
		return {
			keys: [this.ctx.keys.keyForTag(tag, 'journeyEntries'), this.ctx.keys.keyForTag(tag, 'journeyLive')],
			digest: (purpose: string, value: string) => this.ctx.keys.contactDigest(secret, purpose, value, 12),
		};
	}
}
