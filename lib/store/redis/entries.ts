import type { EnterOptions, EntryDecision, EntryReason, EntryRequest, EntryStore, ExitOutcome, ExitRequest } from '../entries';
import { validateEntryRequest } from '../entries';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Journey entries on Redis (journey-enter-2.lua, journey-exit-2.lua): per contact a hash of
 * entries and last entries and a zset of live entries by end time, both in the contact's hash
 * slot. Journey names, entry ids and entry keys appear only as keyed digests. A batch is one
 * pipeline; each request is one script call, atomic for its contact.
 */
export class RedisEntryStore implements EntryStore {
	constructor(private readonly ctx: RedisContext) {}

	async enter(requests: EntryRequest[], options: EnterOptions): Promise<EntryDecision[]> {
		if (requests.length === 0) return [];
		for (const request of requests) validateEntryRequest(request);
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const time = this.ctx.timeArg();
		for (const r of requests) {
			const { keys, digest } = this.contact(r.contactId);
			sendScript(pipeline, 'journeyEnter', keys, [
				deadline,
				time,
				Math.round(options.rememberSeconds * 1000),
				digest('journey', r.journey),
				digest('entry', r.entryId),
				r.key ? digest('entry-key', r.key) : '',
				r.reentry,
				Math.round(Number(r.reentryAfterMs ?? 0)),
				r.whileActive,
				Math.round(r.maxDurationMs),
			]);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
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
		const pipeline = this.ctx.client.pipeline();
		const time = this.ctx.timeArg();
		for (const r of requests) {
			const { keys, digest } = this.contact(r.contactId);
			sendScript(pipeline, 'journeyExit', keys, [deadline, time, digest('journey', r.journey), r.key ? digest('entry-key', r.key) : '']);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply) => ({ exited: Number(reply) }));
	}

	private contact(contactId: string) {
		const { tag, secret } = this.ctx.keys.contactHash(contactId);
		return {
			keys: [this.ctx.keys.keyForTag(tag, 'journeyEntries'), this.ctx.keys.keyForTag(tag, 'journeyLive')],
			digest: (purpose: string, value: string) => this.ctx.keys.contactDigest(secret, purpose, value, 12),
		};
	}
}
