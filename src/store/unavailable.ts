/**
 * Every call to the store is bounded in time: a store that does not answer (a Redis server gone or frozen, a SQLite
 * file locked by another process) must turn into an answer the caller can act on (a callback answered 503, a member
 * told to come back in a minute), not into a wait that never ends. Such a call rejects with
 * {@link StoreUnavailableError}; any other failure (a bug, a corrupt value) keeps its own error.
 */

/** How long a store or claims call may take before it counts as the store being unavailable. */
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;

/** The store could not do it now: it did not answer in time, or answered that it cannot (try again later). */
export class StoreUnavailableError extends Error {
	public constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'StoreUnavailableError';
	}
}

/**
 * Runs one store call, bounded by `timeoutMs`. Rejects with {@link StoreUnavailableError} when it takes longer (the
 * call itself may still finish later: nothing here can take a command back) or fails in a way `isUnavailable` says
 * is the store's availability, not a fault of the call.
 */
export async function withinStoreTime<T>(
	work: Promise<T>,
	timeoutMs: number,
	what: string,
	isUnavailable: (error: unknown) => boolean,
): Promise<T> {
	// One promise and one timer per call, no race: this wraps every store read on the hot path.
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new StoreUnavailableError(`The store did not answer (${what}) within ${timeoutMs} ms`)),
			timeoutMs,
		);
		work.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(asStoreFailure(error, what, isUnavailable));
			},
		);
	});
}

/** A failure of a store call as callers see it: {@link StoreUnavailableError} when `isUnavailable` says so. */
export function asStoreFailure(error: unknown, what: string, isUnavailable: (error: unknown) => boolean): unknown {
	if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
	const reason = error instanceof Error ? error.message : String(error);
	return new StoreUnavailableError(`The store cannot answer now (${what}): ${reason}`, { cause: error });
}
