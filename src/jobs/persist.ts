/**
 * Store writes that record something already paid for or already shown (a task id the provider returned, a message
 * Discord posted) must not be dropped when the store fails for a moment: the fact exists whether or not it was
 * written. `persist` keeps such a write in memory and retries it with back-off until it succeeds, logging each failure
 * as an error, instead of letting the failure turn a paid job into a lost one.
 */
import type { Logger } from '../logger.js';
import type { FailureReport } from './failureDigest.js';
import { pause } from './pause.js';

/** Back-off between attempts: quick at first (a blip), then every 30 s for as long as the store stays away. */
const RETRY_DELAYS_MS = [100, 500, 2_000, 5_000, 15_000, 30_000] as const;

export interface PersistOptions {
	logger: Logger;
	/** Named in the logs, e.g. "the submitted task id". */
	what: string;
	/** Stops retrying (the process is shutting down): the promise then rejects with the last error. */
	signal?: AbortSignal;
	/** For tests: the delays between attempts. */
	delaysMs?: readonly number[];
	/** Told each failure and the success, under this name, instead of one error line per failure. */
	report?: { to: FailureReport; key: string };
}

/** Runs `write` until it resolves; resolves with its value. Rejects only once `signal` has aborted. */
export async function persist<T>(write: () => Promise<T>, options: PersistOptions): Promise<T> {
	const delays = options.delaysMs ?? RETRY_DELAYS_MS;
	for (let attempt = 0; ; attempt += 1) {
		try {
			const value = await write();
			options.report?.to.succeeded(options.report.key);
			return value;
		} catch (error) {
			if (options.signal?.aborted) throw error;
			const retryInMs = delays[Math.min(attempt, delays.length - 1)] ?? 1_000;
			if (options.report) options.report.to.failed(options.report.key, error);
			else
				options.logger.error(
					{ err: error, attempt: attempt + 1, retryInMs },
					`Could not store ${options.what}; retrying`,
				);
			await pause(retryInMs, options.signal);
			if (options.signal?.aborted) throw error;
		}
	}
}
