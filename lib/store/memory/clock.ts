/** The memory store's clock; tests replace it to move time without sleeping. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
