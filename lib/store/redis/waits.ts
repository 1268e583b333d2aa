import type {
	ClaimResult,
	RegisterWaitOptions,
	WaitLookup,
	WaitRef,
	WaitRegistration,
	WaitStore,
} from '../waits';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Wait registrations on Redis (wait-*.lua). Per contact, two keys in the contact's hash slot: a
 * hash of registrations (`r:<w>` JSON, `m:<w>` token|expiry|names, `c:<w>` claim) and a zset
 * index `<name digest>:<w>` scored by expiry. Wait ids and event names appear in keys and
 * members only as keyed digests. Every call is one pipeline (one round trip); claim is one
 * script, so exactly one claimant wins.
 */
export class RedisWaitStore implements WaitStore {
	constructor(private readonly ctx: RedisContext) {}

	async register(registrations: WaitRegistration[], options: RegisterWaitOptions): Promise<void> {
		if (registrations.length === 0) return;
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const offset = this.ctx.offsetMs();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		for (const r of registrations) {
			if (!Number.isFinite(r.expiresAt)) throw new Error(`wait ${r.waitId}: expiresAt must be epoch milliseconds`);
			const stored: WaitRegistration = { ...r };
			delete stored.claim;
			const names = [...new Set(r.match.names)].map((name) => this.nameDigest(name));
			sendScript(pipeline, 'waitRegister', this.keysOf(r.contactId), [
				offset,
				Math.round(options.graceSeconds * 1000),
				this.waitDigest(r.waitId),
				r.token,
				Math.round(r.expiresAt),
				JSON.stringify(stored),
				...names,
			], serverDeadline);
		}
		await this.ctx.exec(pipeline, deadline);
	}

	async find(lookups: WaitLookup[]): Promise<WaitRegistration[][]> {
		if (lookups.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const offset = this.ctx.offsetMs();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		for (const lookup of lookups) {
			sendScript(pipeline, 'waitFind', this.keysOf(lookup.contactId), [offset, this.nameDigest(lookup.name)], serverDeadline);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply) => {
			const flat = reply as string[];
			const found: WaitRegistration[] = [];
			for (let i = 0; i + 1 < flat.length; i += 2) {
				const registration = JSON.parse(flat[i]) as WaitRegistration;
				if (flat[i + 1]) registration.claim = parseClaim(flat[i + 1]);
				found.push(registration);
			}
			return found;
		});
	}

	async get(refs: WaitRef[]): Promise<Array<WaitRegistration | undefined>> {
		if (refs.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const ref of refs) {
			const w = this.waitDigest(ref.waitId);
			pipeline.hmget(this.ctx.keys.key(ref.contactId, 'waitRegs'), `r:${w}`, `c:${w}`);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return refs.map((ref, i) => {
			const [json, claim] = replies[i] as Array<string | null>;
			if (!json) return undefined;
			const registration = JSON.parse(json) as WaitRegistration;
			if (ref.token !== undefined && registration.token !== ref.token) return undefined;
			if (claim) registration.claim = parseClaim(claim);
			return registration;
		});
	}

	async claim(ref: WaitRef & { token: string }, claimant: string): Promise<ClaimResult> {
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const reply = (await this.ctx.exec(
			sendScript(this.ctx.client.pipeline(), 'waitClaim', [this.ctx.keys.key(ref.contactId, 'waitRegs')], [
				this.ctx.offsetMs(),
				this.waitDigest(ref.waitId),
				ref.token,
				claimant,
			], this.ctx.serverDeadline(deadline)),
			deadline,
		))[0] as string[];
		switch (reply[0]) {
			case 'claimed': {
				const registration = JSON.parse(reply[1]) as WaitRegistration;
				registration.claim = { eventId: reply[2], at: Number(reply[3]) };
				return { status: 'claimed', registration, fresh: reply[4] === '1' };
			}
			case 'taken':
				return { status: 'taken', by: reply[1] };
			case 'stale':
				return { status: 'stale' };
			case 'expired':
				return { status: 'expired' };
			default:
				return { status: 'missing' };
		}
	}

	async remove(refs: WaitRef[]): Promise<number> {
		if (refs.length === 0) return 0;
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		for (const ref of refs) {
			sendScript(pipeline, 'waitRemove', this.keysOf(ref.contactId), [this.waitDigest(ref.waitId), ref.token ?? ''], serverDeadline);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.reduce<number>((sum, n) => sum + Number(n), 0);
	}

	private keysOf(contactId: string): string[] {
		const tag = this.ctx.keys.contactTag(contactId);
		return [this.ctx.keys.keyForTag(tag, 'waitRegs'), this.ctx.keys.keyForTag(tag, 'waitIndex')];
	}

	private waitDigest(waitId: string): string {
		return this.ctx.keys.digest('wait', waitId);
	}

	private nameDigest(name: string): string {
		return this.ctx.keys.digest('event-name', name, 12);
	}
}

function parseClaim(value: string): { eventId: string; at: number } {
	const bar = value.lastIndexOf('|');
	return { eventId: value.slice(0, bar), at: Number(value.slice(bar + 1)) };
}
