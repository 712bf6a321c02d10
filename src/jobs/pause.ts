/**
 * Waits `ms`, or less when `signal` aborts (it resolves either way: the caller checks the signal, so a wait cut short
 * by shutdown and one that ran out look the same to code that only wants to stop waiting).
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
	// An abort that came before this wait began has already fired: its listener would never run.
	if (signal?.aborted) return;
	await new Promise<void>((resolve) => {
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal?.removeEventListener('abort', done);
			resolve();
		}
		signal?.addEventListener('abort', done, { once: true });
	});
}
