/** A seeded generator (mulberry32) for the generated-rule tests and benchmarks: same seed, same data. */
export interface Random {
	/** in [0, 1) */
	next(): number;
	/** a whole number in [min, max] */
	int(min: number, max: number): number;
	pick<T>(list: readonly T[]): T;
	chance(p: number): boolean;
}

export function seededRandom(seed: number): Random {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		int: (min, max) => min + Math.floor(next() * (max - min + 1)),
		pick: (list) => list[Math.floor(next() * list.length)],
		chance: (p) => next() < p,
	};
}
