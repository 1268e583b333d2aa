import type { DeliveryStore } from '../deliveries';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Delivery ids for replay protection: `<ns>:whid:{<digest of scope and id>}:seen`, held by one
 * delivery attempt (delivery-hold-1.lua, under the caller's deadline, so a hold that reaches a
 * frozen Redis late is never taken) with a TTL, released by that attempt only
 * (delivery-release-1.lua). Not per contact (a delivery can carry many contacts' events).
 */
export class RedisDeliveryStore implements DeliveryStore {
	constructor(private readonly ctx: RedisContext) {}

	async firstSeen(scope: string, ids: string[], ttlSeconds: number, holder = ''): Promise<boolean[]> {
		if (ids.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		const ttlMs = Math.max(1000, Math.round(ttlSeconds * 1000));
		for (const id of ids) sendScript(pipeline, 'deliveryHold', [this.key(scope, id)], [holder, ttlMs], serverDeadline);
		const replies = await this.ctx.exec(pipeline, deadline);
		return replies.map((reply) => reply === 1);
	}

	async forget(scope: string, ids: string[], holder?: string): Promise<void> {
		if (ids.length === 0) return;
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const id of ids) {
			// no deadline: a release that runs late still lets the sender's retry in
			if (holder === undefined) pipeline.del(this.key(scope, id));
			else sendScript(pipeline, 'deliveryRelease', [this.key(scope, id)], [holder], 0);
		}
		await this.ctx.exec(pipeline, deadline);
	}

	async remember(scope: string, ids: string[], ttlSeconds: number): Promise<void> {
		if (ids.length === 0) return;
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const id of ids) pipeline.set(this.key(scope, id), '', 'PX', Math.max(1000, Math.round(ttlSeconds * 1000)));
		await this.ctx.exec(pipeline, deadline);
	}

	private key(scope: string, id: string): string {
		return `${this.ctx.keys.namespace}:whid:{${this.ctx.keys.digest('delivery', `${scope}\u0000${id}`)}}:seen`;
	}
}
