import { readFileSync } from 'node:fs';

/**
 * End-to-end test hook: when n8n runs with JOURNEYS_TEST_CLOCK_FILE set, the process-wide stores
 * read that JSON file (`{ "<namespace>": <ms to add to the store's clock> }`) on every call, so a
 * test can move one namespace's time days ahead in a real n8n without sleeping. Never set it in
 * production; unset, nothing is read and the clock is the store's own.
 */
export function testClockOffset(namespace: string): (() => number) | undefined {
	const file = process.env.JOURNEYS_TEST_CLOCK_FILE;
	if (!file) return undefined;
	return () => {
		let offsets: Record<string, unknown>;
		try {
			offsets = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
		} catch {
			return 0;
		}
		const offset = Number(offsets[namespace] ?? 0);
		return Number.isFinite(offset) ? offset : 0;
	};
}
