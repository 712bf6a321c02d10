/**
 * A mutex shared by every process on the store, for what Keyv cannot make atomic: a decision that must see every
 * other one (a server's limits) and the read-modify-writes it ends with (the usage index). Holding the lock is holding
 * a {@link Claims} claim under an owner token of our own: taken with retries and a short back-off until a deadline,
 * released in `finally`, and expiring on its own should its process die holding it. Within one process, waiters queue
 * in a {@link KeyedLock} first, so only one of them at a time polls the store.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Claims } from '../store/claims.js';
import { KeyedLock } from '../store/keyedLock.js';

export interface SharedLockTiming {
	/**
	 * How long a claim lasts. Far above any holder's task (a few store round trips), so that it expires only when its
	 * process died; a task outliving it would let a second holder in.
	 */
	ttlMs: number;
	/** How long `run` waits for the lock unless given a deadline, queueing within this process included. */
	waitMs: number;
}

/** A dead holder blocks others for 10 s at most; 2 s of waiting leaves a command time to answer within Discord's 3 s. */
export const DEFAULT_LOCK_TIMING: Readonly<SharedLockTiming> = { ttlMs: 10_000, waitMs: 2_000 };

/** The lock could not be had before the deadline: another process holds it (or held it and died). */
export class LockTimeoutError extends Error {
	public constructor(
		public readonly claimKey: string,
		waitedMs: number,
	) {
		super(`Could not take the lock ${claimKey} within ${waitedMs} ms`);
		this.name = 'LockTimeoutError';
	}
}

export class SharedLock {
	public readonly timing: Readonly<SharedLockTiming>;
	private readonly local = new KeyedLock();

	public constructor(
		private readonly claims: Claims,
		/** Sets this lock's keys apart from other locks' and from other claims. */
		private readonly name: string,
		timing: Partial<SharedLockTiming> = {},
	) {
		this.timing = { ...DEFAULT_LOCK_TIMING, ...timing };
	}

	/** The claim that stands for the lock on `key`. */
	public claimKey(key: string): string {
		return `lock:${this.name}:${key}`;
	}

	/**
	 * Runs `task` holding the lock on `key`, across processes. Rejects with {@link LockTimeoutError}, without running
	 * `task`, when the lock could not be had by `deadline` (epoch ms; default `waitMs` from now). At least one attempt
	 * is made, however late its turn in this process comes.
	 */
	public async run<T>(key: string, task: () => Promise<T>, deadline = Date.now() + this.timing.waitMs): Promise<T> {
		return this.local.run(key, async () => {
			const claimKey = this.claimKey(key);
			const owner = randomBytes(12).toString('base64url');
			await this.acquire(claimKey, owner, deadline);
			try {
				return await task();
			} finally {
				// A failed release costs only waiting for the claim to expire: the task's outcome matters more.
				await this.claims.release(claimKey, owner).catch(() => undefined);
			}
		});
	}

	private async acquire(claimKey: string, owner: string, deadline: number): Promise<void> {
		const start = Date.now();
		for (let attempt = 0; ; attempt++) {
			if (await this.claims.claim(claimKey, this.timing.ttlMs, owner)) return;
			const left = deadline - Date.now();
			if (left <= 0) throw new LockTimeoutError(claimKey, Date.now() - start);
			await delay(Math.min(left, backoffMs(attempt)));
		}
	}
}

/** 2 ms doubling up to 50 ms (a decision takes a few), jittered so that two waiters do not keep colliding. */
function backoffMs(attempt: number): number {
	const ceiling = Math.min(50, 2 * 2 ** attempt);
	return ceiling / 2 + Math.random() * (ceiling / 2);
}
