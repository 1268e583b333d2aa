import type { SendClaim, SendClaimRequest, SendLogOptions, SendSettled, SendSettleRequest, SendStore } from '../sends';
import { LATE, type RedisContext } from './context';
import { sendScript } from './scripts';

type Reply = Array<string | number>;

/**
 * The send log on Redis: one hash per contact (send-claim-1.lua), one script call per contact
 * and operation, all in one pipeline. Message keys are stored as keyed digests (they may hold
 * an address).
 */
export class RedisSendStore implements SendStore {
	constructor(private readonly ctx: RedisContext) {}

	async claim(requests: SendClaimRequest[], options: SendLogOptions): Promise<SendClaim[]> {
		const replies = await this.run('claim', requests, options, (r) => [r.token, Math.round(r.leaseMs), r.takeUnknown ? 1 : 0]);
		return replies.map((reply): SendClaim => {
			switch (reply[0]) {
				case 'claimed':
					return { state: 'claimed', attempt: Number(reply[1]) };
				case 'sent':
					return { state: 'sent', messageId: String(reply[1]), sentAt: Number(reply[2]) };
				case 'busy':
					return { state: 'busy', leaseUntil: Number(reply[1]) };
				case 'unknown':
					return { state: 'unknown', attempt: Number(reply[1]) };
				default:
					return { state: 'late' };
			}
		});
	}

	async settle(requests: SendSettleRequest[], options: SendLogOptions): Promise<SendSettled[]> {
		const replies = await this.run('settle', requests, options, (r) => [r.token, r.outcome, r.messageId ?? '']);
		return replies.map((reply): SendSettled => {
			if (reply[0] === 'sent') return { state: 'sent', messageId: String(reply[1]), sentAt: Number(reply[2]) };
			if (reply[0] === 'released' || reply[0] === 'unknown' || reply[0] === 'stale') return { state: reply[0] };
			return { state: 'late' };
		});
	}

	/** Groups the entries by contact (one script call each) and returns one reply per request. */
	private async run<R extends { contactId: string; messageKey: string }>(
		op: 'claim' | 'settle',
		requests: R[],
		options: SendLogOptions,
		args: (r: R) => Array<string | number>,
	): Promise<Reply[]> {
		if (requests.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const byContact = new Map<string, number[]>();
		for (let i = 0; i < requests.length; i++) {
			const list = byContact.get(requests[i].contactId) ?? [];
			list.push(i);
			byContact.set(requests[i].contactId, list);
		}
		const serverDeadline = options.deadline ? this.ctx.serverDeadline(options.deadline) : 0;
		const pipeline = this.ctx.client.pipeline();
		const groups = [...byContact.entries()];
		const time = this.ctx.timeArg();
		for (const [contactId, indexes] of groups) {
			const { tag, secret } = this.ctx.keys.contactHash(contactId);
			const flat: Array<string | number> = [];
			for (const i of indexes) flat.push(this.ctx.keys.contactDigest(secret, 'send', requests[i].messageKey), ...args(requests[i]));
			sendScript(pipeline, 'sendClaim', [this.ctx.keys.keyForTag(tag, 'sendLog')], [
				time,
				op,
				Math.round(options.retentionMs),
				indexes.length,
				...flat,
			], serverDeadline);
		}
		const results = await this.ctx.execAllowingLate(pipeline, deadline);
		const out: Reply[] = new Array(requests.length);
		groups.forEach(([, indexes], g) => {
			const replies = results[g] as Reply[] | typeof LATE;
			indexes.forEach((i, j) => {
				out[i] = replies === LATE ? ['late'] : replies[j];
			});
		});
		return out;
	}
}
