import type { ContactEvent, EventQuery, EventStore, RecordEventsOptions, RecordOutcome } from '../types';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Event histories on Redis (events-record-2.lua). record: one script call per contact (dedupe
 * + append + trim + TTL, atomic per contact), all calls in one pipeline. list: one
 * ZRANGEBYSCORE per query, all in one pipeline. The raw contact id lives only inside the event
 * JSON (a value), never in a key.
 */
export class RedisEventStore implements EventStore {
	constructor(private readonly ctx: RedisContext) {}

	async record(events: ContactEvent[], options: RecordEventsOptions): Promise<RecordOutcome[]> {
		if (events.length === 0) return [];
		if (!(options.historyLimit >= 0) || !(options.ttlSeconds > 0)) {
			throw new Error('record needs historyLimit >= 0 and ttlSeconds > 0');
		}
		const deadline = this.ctx.deadline();
		const byContact = new Map<string, number[]>();
		events.forEach((event, i) => {
			const list = byContact.get(event.contactId);
			if (list) list.push(i);
			else byContact.set(event.contactId, [i]);
		});
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const time = this.ctx.timeArg();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		const groups = [...byContact.entries()];
		for (const [contactId, indexes] of groups) {
			const tag = this.ctx.keys.contactTag(contactId);
			const keys = [this.ctx.keys.keyForTag(tag, 'eventHistory'), this.ctx.keys.keyForTag(tag, 'eventSeen')];
			const args: Array<string | number> = [time, Math.round(options.ttlSeconds * 1000), options.historyLimit, indexes.length];
			for (const i of indexes) {
				const e = events[i];
				if (!Number.isFinite(e.occurredAt)) throw new Error(`event ${e.id}: occurredAt must be epoch milliseconds`);
				args.push(this.ctx.keys.digest('event', e.id), e.occurredAt, JSON.stringify(e));
			}
			sendScript(pipeline, 'eventsRecord', keys, args, serverDeadline);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		const outcomes = new Array<RecordOutcome>(events.length);
		groups.forEach(([, indexes], g) => {
			const reply = replies[g] as number[];
			indexes.forEach((i, j) => {
				outcomes[i] = { eventId: events[i].id, recorded: reply[j] === 1 };
			});
		});
		return outcomes;
	}

	async list(queries: EventQuery[]): Promise<ContactEvent[][]> {
		if (queries.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const q of queries) {
			pipeline.zrangebyscore(this.ctx.keys.key(q.contactId, 'eventHistory'), q.sinceMs ?? '-inf', '+inf');
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return queries.map((q, i) => {
			const names = q.names && q.names.length > 0 ? new Set(q.names) : undefined;
			const out: ContactEvent[] = [];
			for (const member of replies[i] as string[]) {
				const event = JSON.parse(member.slice(member.indexOf('|') + 1)) as ContactEvent;
				if (!names || names.has(event.name)) out.push(event);
			}
			return out;
		});
	}
}
