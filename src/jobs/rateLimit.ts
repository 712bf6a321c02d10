/**
 * A sliding-window limit: at most `limit` grants in any `windowMs`. This is exactly how the provider states its limits
 * ("20 new tasks per 10 seconds", "10 queries per second"), unlike a token bucket, which allows bursts above them.
 */
import { pause } from './pause.js';

export class SlidingWindowLimiter {
	/** Times of the most recent grants, oldest first; never longer than `limit`. */
	private readonly grants: number[] = [];

	public constructor(
		public readonly limit: number,
		public readonly windowMs: number,
		private readonly now: () => number = Date.now,
	) {
		if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
	}

	/** Grants that could be taken right now. */
	public available(): number {
		const cutoff = this.now() - this.windowMs;
		return this.limit - this.grants.filter((at) => at > cutoff).length;
	}

	/** Milliseconds until a grant is allowed (0 = now). */
	public delay(): number {
		if (this.grants.length < this.limit) return 0;
		return Math.max(0, this.grants[0]! + this.windowMs - this.now());
	}

	private tail: Promise<void> = Promise.resolve();

	/** Waits for a grant, first come first served, and takes it. Rejects (taking nothing) when `signal` aborts. */
	public async acquire(signal?: AbortSignal): Promise<void> {
		const turn = this.tail.then(async () => {
			for (let wait = this.delay(); wait > 0; wait = this.delay()) {
				signal?.throwIfAborted();
				await pause(wait, signal);
			}
			signal?.throwIfAborted();
			this.tryTake();
		});
		this.tail = turn.catch(() => undefined);
		return turn;
	}

	/** Takes a grant if one is available now. */
	public tryTake(): boolean {
		if (this.delay() > 0) return false;
		this.grants.push(this.now());
		if (this.grants.length > this.limit) this.grants.shift();
		return true;
	}
}
