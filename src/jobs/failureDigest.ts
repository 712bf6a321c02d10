/**
 * Failures of many writes retried alike (withdrawals of jobs the store did not take, under a burst), logged as a
 * digest rather than one error line per attempt: the first failure in full, then at most one summary line per
 * interval (failures since the last line, writes still waiting, the last error), and one line once every waiting
 * write has been stored. No timer: a summary is written by the failure that finds the interval over.
 */
import type { Logger } from '../logger.js';

/** How often, at most, a summary of the failures is logged. */
export const FAILURE_SUMMARY_INTERVAL_MS = 60_000;

export interface FailureReport {
	/** One attempt of the write `key` failed (it is retried). */
	failed(key: string, error: unknown): void;
	/** The write `key` was stored (after failures, or at once). */
	succeeded(key: string): void;
}

export class FailureDigest implements FailureReport {
	/** Writes that failed and are not stored yet. */
	private readonly waiting = new Set<string>();
	private failuresSinceLine = 0;
	private failuresInAll = 0;
	private lastError: unknown;
	private lastLineAt = 0;

	public constructor(
		private readonly logger: Logger,
		/** Named in the lines, e.g. "withdrawals of jobs that were not taken". */
		private readonly what: string,
		private readonly options: { intervalMs?: number; now?: () => number } = {},
	) {}

	private get now(): number {
		return (this.options.now ?? Date.now)();
	}

	public failed(key: string, error: unknown): void {
		const first = this.waiting.size === 0;
		this.waiting.add(key);
		this.failuresInAll += 1;
		this.failuresSinceLine += 1;
		this.lastError = error;
		const intervalMs = this.options.intervalMs ?? FAILURE_SUMMARY_INTERVAL_MS;
		if (first) {
			this.logger.error({ err: error, key, summaryEveryMs: intervalMs }, `Could not store the ${this.what}; retrying`);
		} else if (this.now - this.lastLineAt >= intervalMs) {
			this.logger.error(
				{ err: this.lastError, failures: this.failuresSinceLine, waiting: this.waiting.size },
				`Still could not store the ${this.what}; retrying`,
			);
		} else {
			return;
		}
		this.failuresSinceLine = 0;
		this.lastLineAt = this.now;
	}

	public succeeded(key: string): void {
		if (!this.waiting.delete(key) || this.waiting.size > 0) return;
		this.logger.info({ failures: this.failuresInAll }, `Stored the ${this.what} after the store failed`);
		this.failuresInAll = 0;
		this.failuresSinceLine = 0;
		this.lastError = undefined;
	}
}
