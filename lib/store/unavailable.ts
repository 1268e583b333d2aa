/** The store did not answer in time or at all; each node says what to do (Frequency Cap applies its store-down policy). */
export class StoreUnavailableError extends Error {
	/** the underlying error's text (kept out of `message`, which stays readable) */
	readonly detail?: string;

	constructor(message: string, options?: { cause?: unknown; detail?: string }) {
		super(message, options);
		this.name = 'StoreUnavailableError';
		this.detail = options?.detail;
	}
}
