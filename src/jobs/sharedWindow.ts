/**
 * A sliding-window limit shared by every process on the store: the provider's limits are per account and key, not per
 * process, so replicas must split them between them without talking to each other.
 *
 * Built on the atomic claims alone: the window has `limit` slots, and a grant is a claim on one free slot held for
 * `windowMs`. A slot can be claimed at most once per window, so there are never more than `limit` grants in any
 * window, whichever process took them. Each process keeps its own local limiter in front (see rateLimit.ts), so this
 * only decides between processes.
 */
import type { Claims } from '../store/claims.js';
import { pause } from './pause.js';

export class SharedWindow {
	public constructor(
		private readonly claims: Pick<Claims, 'claim'>,
		/** Names the window in the store, e.g. `submit` or `query`. */
		private readonly name: string,
		public readonly limit: number,
		public readonly windowMs: number,
		private readonly random: () => number = Math.random,
	) {
		if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
	}

	/** Takes a grant if a slot is free now. */
	public async tryTake(): Promise<boolean> {
		// Start at a random slot: processes asking together rarely try the same slots in the same order.
		const start = Math.floor(this.random() * this.limit);
		for (let offset = 0; offset < this.limit; offset++) {
			const slot = (start + offset) % this.limit;
			if (await this.claims.claim(`rate:${this.name}:${slot}`, this.windowMs)) return true;
		}
		return false;
	}

	/**
	 * Waits for a grant and takes it. With every slot taken, it looks again after the time one slot's share of the
	 * window takes to free up. Rejects (taking nothing) when `signal` aborts.
	 */
	public async acquire(signal?: AbortSignal): Promise<void> {
		const retryMs = Math.max(1, Math.ceil(this.windowMs / this.limit));
		for (;;) {
			signal?.throwIfAborted();
			if (await this.tryTake()) return;
			await pause(retryMs, signal);
		}
	}
}
