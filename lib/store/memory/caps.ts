import {
	CAP_CODE,
	CAP_MAX_ENTRIES,
	CAP_RETENTION_MS,
	BatchCompiler,
	toCapDecision,
	type CapDecision,
	type CapRequest,
	type CapStore,
	type CompiledCapRequest,
	type RawCapResult,
} from '../caps';
import type { Clock } from './clock';
import { ExpiringMap } from './expiringMap';

interface Entry {
	ts: number;
	/** message key ('' when the send had none) */
	mk: string;
	dims: string[];
}

/**
 * Frequency caps in process memory. The same algorithm as lib/store/redis/scripts/cap-apply-n.lua
 * (one send log per contact, ordered by time), run synchronously, so it is atomic in one process.
 */
export class MemoryCapStore implements CapStore {
	/** contactId → send log, oldest first; expires CAP_RETENTION_MS after the last write */
	readonly logs: ExpiringMap<Entry[]>;

	constructor(private readonly clock: Clock) {
		this.logs = new ExpiringMap(clock);
	}

	async apply(requests: CapRequest[]): Promise<CapDecision[]> {
		const now = this.clock();
		// compile everything first: a bad request fails the batch before anything is written
		const compiler = new BatchCompiler(now, (kind, value) => `${kind}:${value}`);
		const compiled = requests.map((r) => compiler.compile(r));
		return requests.map((request, i) => {
			const raw = this.applyOne(request.contactId, request.messageKey ?? '', compiled[i], now);
			return toCapDecision(request, compiled[i], raw, now);
		});
	}

	erase(contactId: string): void {
		this.logs.delete(contactId);
	}

	private applyOne(contactId: string, mk: string, req: CompiledCapRequest, now: number): RawCapResult {
		const entries = this.logs.get(contactId) ?? [];
		const find = () => (mk ? entries.findIndex((e) => e.mk === mk) : -1);
		const write = () => {
			const cutoff = now - CAP_RETENTION_MS;
			let drop = 0;
			while (drop < entries.length && entries[drop].ts <= cutoff) drop++;
			if (entries.length - drop > CAP_MAX_ENTRIES) drop = entries.length - CAP_MAX_ENTRIES;
			if (drop > 0) entries.splice(0, drop);
			if (entries.length === 0) this.logs.delete(contactId);
			else this.logs.set(contactId, entries, CAP_RETENTION_MS);
		};
		const insert = () => {
			let i = entries.length;
			while (i > 0 && entries[i - 1].ts > now) i--;
			entries.splice(i, 0, { ts: now, mk, dims: [...req.dims] });
		};
		const none: RawCapResult = { code: 0, ruleRef: 0, count: -1, limit: -1, retryAt: -1 };

		if (req.mode === 'release') {
			const at = find();
			if (at < 0) return { ...none, code: CAP_CODE.notReserved };
			entries.splice(at, 1);
			write();
			return { ...none, code: CAP_CODE.released };
		}
		if (req.mode === 'record') {
			if (find() >= 0) return { ...none, code: CAP_CODE.alreadyRecorded };
			insert();
			write();
			return { ...none, code: CAP_CODE.recorded };
		}
		if (find() >= 0) return { ...none, code: CAP_CODE.alreadyReserved };

		const result = evaluate(entries, req, now);
		if (result.code === CAP_CODE.allowed && req.mode === 'reserve') {
			insert();
			write();
			if (result.ruleRef > 0) result.count += 1;
		}
		return result;
	}
}

/** Quiet hours, then every rule; the failing check that opens last wins (null = never). */
function evaluate(entries: Entry[], req: CompiledCapRequest, now: number): RawCapResult {
	let worst: RawCapResult | undefined;
	const consider = (r: RawCapResult) => {
		if (!worst) worst = r;
		else if (worst.retryAt !== -1 && (r.retryAt === -1 || r.retryAt > worst.retryAt)) worst = r;
	};
	if (req.open.length > 0) {
		let inside = false;
		let next = -1;
		for (let i = 0; i < req.open.length; i += 2) {
			if (req.open[i] <= now && now < req.open[i + 1]) inside = true;
			if (req.open[i] > now && next === -1) next = req.open[i];
		}
		if (!inside) {
			if (next === -1) return { code: CAP_CODE.clockSkew, ruleRef: 0, count: -1, limit: -1, retryAt: -1 };
			consider({ code: CAP_CODE.quiet, ruleRef: -1, count: -1, limit: -1, retryAt: next });
		}
	}
	let tightest: RawCapResult | undefined;
	for (let r = 0; r < req.rules.length; r++) {
		const rule = req.rules[r];
		if (rule.kind === 'gap') {
			let last = -1;
			for (let i = entries.length - 1; i >= 0; i--) {
				if (entries[i].dims.includes(rule.dim)) {
					last = entries[i].ts;
					break;
				}
			}
			if (last >= 0 && now - last < rule.ms) {
				consider({ code: CAP_CODE.gap, ruleRef: r + 1, count: -1, limit: -1, retryAt: last + rule.ms });
			}
			continue;
		}
		let start: number;
		let periodEnd = -1;
		if (rule.bounds.length > 0) {
			let found = -1;
			for (let i = 0; i + 1 < rule.bounds.length; i++) {
				if (rule.bounds[i] <= now && now < rule.bounds[i + 1]) found = i;
			}
			if (found < 0) return { code: CAP_CODE.clockSkew, ruleRef: 0, count: -1, limit: -1, retryAt: -1 };
			start = rule.bounds[found];
			periodEnd = rule.bounds[found + 1];
		} else {
			start = now - rule.ms + 1;
		}
		let count = 0;
		let nthNewest = -1;
		for (let i = entries.length - 1; i >= 0 && entries[i].ts >= start; i--) {
			if (entries[i].dims.includes(rule.dim)) {
				count++;
				if (count === rule.limit) nthNewest = entries[i].ts;
			}
		}
		if (count >= rule.limit) {
			let retryAt = -1;
			if (rule.limit > 0) retryAt = periodEnd >= 0 ? periodEnd : nthNewest + rule.ms;
			consider({ code: CAP_CODE.limit, ruleRef: r + 1, count, limit: rule.limit, retryAt });
		} else if (!tightest || rule.limit - count < tightest.limit - tightest.count) {
			tightest = { code: CAP_CODE.allowed, ruleRef: r + 1, count, limit: rule.limit, retryAt: -1 };
		}
	}
	if (worst) return worst;
	return tightest ?? { code: CAP_CODE.allowed, ruleRef: 0, count: -1, limit: -1, retryAt: -1 };
}
