import type {
	ContactState,
	ContactStateChange,
	ContactStateOptions,
	ContactStore,
	EraseOutcome,
} from '../contacts';
import type { RedisContext } from './context';
import { sendScript } from './scripts';

/**
 * Consent / subscription state on Redis (contact-update-1.lua: latest decision per topic wins,
 * atomic per contact), and erase: UNLINK of every per-contact key of every concept
 * (`RedisKeys.allKeys`, the list each concept appends its keys to), one pipeline for a batch.
 */
export class RedisContactStore implements ContactStore {
	constructor(private readonly ctx: RedisContext) {}

	async get(contactIds: string[]): Promise<Array<ContactState | undefined>> {
		if (contactIds.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		for (const id of contactIds) pipeline.hgetall(this.ctx.keys.key(id, 'contactState'));
		const replies = await this.ctx.exec(pipeline, deadline);
		return contactIds.map((id, i) => {
			const hash = replies[i] as Record<string, string>;
			return Object.keys(hash).length === 0 ? undefined : parseState(id, hash);
		});
	}

	async update(changes: ContactStateChange[], options: ContactStateOptions): Promise<ContactState[]> {
		if (changes.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		const serverDeadline = this.ctx.serverDeadline(deadline);
		for (const change of changes) {
			const entries: Array<string | number> = [];
			for (const [topic, granted] of Object.entries(change.consent ?? {})) entries.push(`c:${topic}`, granted ? 1 : 0);
			for (const channel of change.unsubscribe ?? []) entries.push(`s:${channel}`, 0);
			for (const channel of change.resubscribe ?? []) entries.push(`s:${channel}`, 1);
			if (change.globalHoldout) entries.push('g', `${change.globalHoldout.held ? 1 : 0}|${Math.round(change.at)}|${change.globalHoldout.percent}`);
			sendScript(pipeline, 'contactUpdate', [this.ctx.keys.key(change.contactId, 'contactState')], [
				Math.round(options.ttlSeconds * 1000),
				Math.round(change.at),
				change.source ?? '',
				entries.length / 2,
				...entries,
			], serverDeadline);
		}
		const replies = await this.ctx.exec(pipeline, deadline);
		return changes.map((change, i) => parseState(change.contactId, pairs(replies[i] as string[])));
	}

	async erase(contactIds: string[]): Promise<EraseOutcome[]> {
		if (contactIds.length === 0) return [];
		const deadline = this.ctx.deadline();
		await this.ctx.ready(deadline);
		const pipeline = this.ctx.client.pipeline();
		// all keys of one contact share its hash slot, so one UNLINK per contact works on Cluster
		for (const id of contactIds) pipeline.unlink(...this.ctx.keys.allKeys(id));
		const replies = await this.ctx.exec(pipeline, deadline);
		return contactIds.map((contactId, i) => ({ contactId, removed: Number(replies[i]) }));
	}
}

function pairs(flat: string[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
	return out;
}

function parseState(contactId: string, hash: Record<string, string>): ContactState {
	const state: ContactState = { contactId, consent: {}, subscriptions: {}, updatedAt: Number(hash.u ?? 0) };
	for (const [field, value] of Object.entries(hash)) {
		const match = /^([01])\|(\d+)\|(.*)$/s.exec(value);
		if (!match) continue;
		const on = match[1] === '1';
		const at = Number(match[2]);
		const source = match[3] ? { source: match[3] } : {};
		if (field === 'g') state.globalHoldout = { held: on, at, percent: Number(match[3]) };
		else if (field.startsWith('c:')) state.consent[field.slice(2)] = { granted: on, at, ...source };
		else if (field.startsWith('s:')) state.subscriptions[field.slice(2)] = { subscribed: on, at, ...source };
	}
	return state;
}
