/** "Did you mean" for misspelled names: the closest known names by edit distance. */

export function editDistance(a: string, b: string): number {
	if (a === b) return 0;
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		for (let j = 1; j <= b.length; j++) {
			const cost = a[i - 1] === b[j - 1] ? 0 : 1;
			current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
		}
		previous = current;
	}
	return previous[b.length];
}

/** The known names closest to `name` (case-insensitive), or [] when none is close enough. */
export function closestNames(name: string, known: readonly string[]): string[] {
	const lower = name.toLowerCase();
	const limit = Math.max(2, Math.floor(name.length / 3));
	let best = Infinity;
	let found: string[] = [];
	for (const candidate of known) {
		// the distance is at least the difference in length: skip the quadratic work when that is too far
		if (Math.abs(candidate.length - name.length) > Math.min(limit, best)) continue;
		const d = editDistance(lower, candidate.toLowerCase());
		if (d > limit || d > best) continue;
		if (d < best) {
			best = d;
			found = [];
		}
		found.push(candidate);
	}
	return found;
}

/** ` (did you mean "a" or "b"?)`, or '' when there is nothing to suggest. */
export function didYouMean(names: readonly string[]): string {
	if (names.length === 0) return '';
	const quoted = names.slice(0, 3).map((n) => `"${n}"`);
	const list =
		quoted.length === 1
			? quoted[0]
			: `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
	return ` (did you mean ${list}?)`;
}
