/**
 * One queue for every submission to the provider, under its rate limit. Members waiting in it see their place.
 * The queue itself lives in memory; each queued job is also marked `queued` in the store, so a restart re-queues it.
 */
import type { SlidingWindowLimiter } from './rateLimit.js';

/**
 * What a submission attempt asks of the queue. The limiter here only paces how fast jobs leave the queue; the
 * submit function takes the actual grant just before sending (one store round trip before: see JobService.submit),
 * so store latency in between cannot bunch requests up at the provider beyond the limiter's margin.
 */
export type SubmitResult = { kind: 'done' } | { kind: 'retry'; afterMs: number };

export interface SubmitQueueOptions {
	limiter: SlidingWindowLimiter;
	/** Submits one job; calls `takeGrant` shortly before its request leaves (it waits for the rate limit). */
	submit: (jobId: string, takeGrant: () => Promise<void>) => Promise<SubmitResult>;
	/** Called after the queue moved, with each waiting job's 1-based position. */
	onMoved: (positions: ReadonlyMap<string, number>) => void;
	onError: (error: unknown, jobId: string) => void;
}

/** Submissions in flight at once (a slow answer must not stall everyone behind it). */
const CONCURRENCY = 4;

export class SubmitQueue {
	private readonly waiting: string[] = [];
	private readonly inFlight = new Map<string, Promise<void>>();
	private pausedUntil = 0;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;
	/** Jobs taken out of the line that have not yet taken their grant: they count against the limit already. */
	private awaitingGrant = 0;
	private readonly stopping = new AbortController();

	public constructor(private readonly options: SubmitQueueOptions) {}

	/** Adds a job at the back (or front, for a retry). Returns its 1-based position. */
	public enqueue(jobId: string, front = false): number {
		if (this.stopped || this.waiting.includes(jobId) || this.inFlight.has(jobId)) return this.position(jobId) ?? 0;
		if (front) this.waiting.unshift(jobId);
		else this.waiting.push(jobId);
		this.pump();
		return this.position(jobId) ?? 0;
	}

	/** 1-based place among waiting jobs; undefined once it is being submitted. */
	public position(jobId: string): number | undefined {
		const index = this.waiting.indexOf(jobId);
		return index === -1 ? undefined : index + 1;
	}

	/** Jobs waiting, not counting those being submitted. */
	public get length(): number {
		return this.waiting.length;
	}

	/** Whether a job added now would have to wait. */
	public get busy(): boolean {
		return this.waiting.length > 0 || this.options.limiter.delay() > 0 || Date.now() < this.pausedUntil;
	}

	/** Stops starting submissions and waits for those in flight. Waiting jobs stay `queued` in the store. */
	public async stop(): Promise<void> {
		this.stopped = true;
		this.stopping.abort();
		if (this.timer) clearTimeout(this.timer);
		await Promise.allSettled([...this.inFlight.values()]);
	}

	private pump(): void {
		if (this.stopped || this.timer) return;
		let moved = false;
		while (this.waiting.length > 0 && this.inFlight.size < CONCURRENCY) {
			const wait = Math.max(this.options.limiter.delay(), this.pausedUntil - Date.now());
			// No room in the window for one more: wait for a grant to be taken or to expire.
			if (wait === 0 && this.awaitingGrant >= this.options.limiter.available()) break;
			if (wait > 0) {
				this.timer = setTimeout(() => {
					this.timer = undefined;
					this.pump();
				}, wait);
				break;
			}
			const jobId = this.waiting.shift()!;
			// The grant itself is taken by `submit`, right before the request leaves (see JobService.submit).
			this.awaitingGrant += 1;
			moved = true;
			this.inFlight.set(jobId, this.run(jobId));
		}
		if (moved) this.options.onMoved(this.positions());
	}

	private async run(jobId: string): Promise<void> {
		let granted = false;
		const takeGrant = async (): Promise<void> => {
			if (granted) return;
			await this.options.limiter.acquire(this.stopping.signal);
			granted = true;
			this.awaitingGrant -= 1;
		};
		try {
			const result = await this.options.submit(jobId, takeGrant);
			if (result.kind === 'retry') {
				// A rate limit or maintenance applies to the whole account: hold everyone, keep this job first in line.
				this.pausedUntil = Math.max(this.pausedUntil, Date.now() + result.afterMs);
				this.inFlight.delete(jobId);
				this.waiting.unshift(jobId);
				this.options.onMoved(this.positions());
			}
		} catch (error) {
			this.options.onError(error, jobId);
		} finally {
			if (!granted) this.awaitingGrant -= 1;
			this.inFlight.delete(jobId);
			this.pump();
		}
	}

	private positions(): Map<string, number> {
		return new Map(this.waiting.map((jobId, index) => [jobId, index + 1]));
	}
}
