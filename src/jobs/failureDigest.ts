/**
 * Failures of many operations retried alike (withdrawals of jobs the store did not take, under a burst; results
 * Discord does not take during an outage), logged as a digest rather than one line per attempt: the first failure in
 * full, then at most one summary line per interval (failures since the last line, operations still waiting, the last
 * error), and one line once every waiting one has succeeded. No timer: a summary is written by the failure that finds
 * the interval over.
 */
import type { Logger } from '../logger.js';

/** How often, at most, a summary of the failures is logged. */
export const FAILURE_SUMMARY_INTERVAL_MS = 60_000;

export interface FailureReport {
	/** One attempt of the operation `key` failed (it is retried). */
	failed(key: string, error: unknown): void;
	/** The operation `key` succeeded (after failures, or at once). */
	succeeded(key: string): void;
}

/** The digest's three lines, and the level of the two about failures. */
export interface DigestLines {
	first: string;
	still: string;
	recovered: string;
	level?: 'error' | 'warn';
}

/** The lines of a digest of store writes, naming what was being stored ("the withdrawals of …"). */
export function storeWriteLines(what: string): DigestLines {
	return {
		first: `Could not store ${what}; retrying`,
		still: `Still could not store ${what}; retrying`,
		recovered: `Stored ${what} after the store failed`,
	};
}

export class FailureDigest implements FailureReport {
	/** Operations that failed and have not succeeded yet. */
	private readonly waiting = new Set<string>();
	private failuresSinceLine = 0;
	private failuresInAll = 0;
	private lastError: unknown;
	private lastLineAt = 0;

	public constructor(
		private readonly logger: Logger,
		private readonly lines: DigestLines,
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
		const log = this.lines.level === 'warn' ? this.logger.warn.bind(this.logger) : this.logger.error.bind(this.logger);
		if (first) {
			log({ err: error, key, summaryEveryMs: intervalMs }, this.lines.first);
		} else if (this.now - this.lastLineAt >= intervalMs) {
			log({ err: this.lastError, failures: this.failuresSinceLine, waiting: this.waiting.size }, this.lines.still);
		} else {
			return;
		}
		this.failuresSinceLine = 0;
		this.lastLineAt = this.now;
	}

	public succeeded(key: string): void {
		if (!this.waiting.delete(key) || this.waiting.size > 0) return;
		this.logger.info({ failures: this.failuresInAll }, this.lines.recovered);
		this.failuresInAll = 0;
		this.failuresSinceLine = 0;
		this.lastError = undefined;
	}
}
