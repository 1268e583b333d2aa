import {
	decideClaim,
	decideSettle,
	type SendClaim,
	type SendClaimRequest,
	type SendEntry,
	type SendLogOptions,
	type SendSettled,
	type SendSettleRequest,
	type SendStore,
} from '../sends';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

/** The send log in process memory: the same rules as send-claim-1.lua (lib/store/sends.ts). */
export class MemorySendStore implements SendStore {
	/** `<contactId>\0<messageKey>` → entry (keyed by contact so erase finds it) */
	readonly entries: ExpiringMap<SendEntry>;

	constructor(private readonly clock: Clock) {
		this.entries = new ExpiringMap(clock);
	}

	async claim(requests: SendClaimRequest[], options: SendLogOptions): Promise<SendClaim[]> {
		const now = this.clock();
		if (isLate(options, now)) return requests.map(() => ({ state: 'late' }));
		return requests.map((request) => {
			const key = `${request.contactId}\u0000${request.messageKey}`;
			const { claim, write } = decideClaim(this.entries.get(key), request, now);
			if (write) this.entries.set(key, write, options.retentionMs);
			return claim;
		});
	}

	async settle(requests: SendSettleRequest[], options: SendLogOptions): Promise<SendSettled[]> {
		const now = this.clock();
		if (isLate(options, now)) return requests.map(() => ({ state: 'late' }));
		return requests.map((request) => {
			const key = `${request.contactId}\u0000${request.messageKey}`;
			const { settled, write } = decideSettle(this.entries.get(key), request, now);
			if (write === null) this.entries.delete(key);
			else if (write) this.entries.set(key, write, options.retentionMs);
			return settled;
		});
	}
}

function isLate(options: SendLogOptions, now: number): boolean {
	return options.deadline !== undefined && options.deadline > 0 && now > options.deadline;
}
