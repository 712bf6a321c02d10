/**
 * The submissions of one provider key, under that key's rate limit, taken from the fair line (fairQueue.ts): round-robin
 * across servers, then members. Members waiting in it see their place. The line lives in memory; each queued job is
 * also marked `queued` in the store, so a restart re-queues it.
 */
import type { FairQueue, QueuedJob } from './fairQueue.js';
import type { SlidingWindowLimiter } from './rateLimit.js';

/**
 * What a submission attempt asks of the queue. The limiter here only paces how fast jobs leave the queue; the
 * submit function takes the actual grant just before sending (one store round trip before: see JobService.submit),
 * so store latency in between cannot bunch requests up at the provider beyond the limiter's margin.
 */
export type SubmitResult = { kind: 'done' } | { kind: 'retry'; afterMs: number };

export interface SubmitQueueOptions {
	/** The key whose jobs this queue submits. */
	keyId: string;
	/** The fair line, shared by every key's queue (each takes its own key's jobs). */
	line: FairQueue;
	limiter: SlidingWindowLimiter;
	/** Submits one job; calls `takeGrant` shortly before its request leaves (it waits for the rate limit). */
	submit: (jobId: string, takeGrant: () => Promise<void>) => Promise<SubmitResult>;
	/** Called after the queue moved (positions are read on demand: computing them all would be O(n) per move). */
	onMoved: () => void;
	onError: (error: unknown, jobId: string) => void;
}

/** Submissions in flight at once (a slow answer must not stall everyone behind it). */
const CONCURRENCY = 4;

/** A job waiting in the line, without its key (the queue's). */
export type WaitingJob = Omit<QueuedJob, 'keyId'>;

export class SubmitQueue {
	/** Jobs sent back by a retryable refusal: first in line again, ahead of the fair order. */
	private readonly front: WaitingJob[] = [];
	private readonly inFlight = new Map<string, Promise<void>>();
	private pausedUntil = 0;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;
	/** Jobs taken out of the line that have not yet taken their grant: they count against the limit already. */
	private awaitingGrant = 0;
	private readonly stopping = new AbortController();

	public constructor(private readonly options: SubmitQueueOptions) {}

	/** Adds a job to the fair line. Returns its 1-based position. */
	public enqueue(job: WaitingJob): number {
		const { line, keyId } = this.options;
		if (this.stopped || this.isWaiting(job.id) || this.inFlight.has(job.id)) return this.position(job.id) ?? 0;
		line.enqueue({ ...job, keyId });
		this.pump();
		return this.position(job.id) ?? 0;
	}

	/** 1-based place among waiting jobs; undefined once it is being submitted. */
	public position(jobId: string): number | undefined {
		const index = this.front.findIndex((job) => job.id === jobId);
		if (index !== -1) return index + 1;
		const inLine = this.options.line.position(jobId);
		return inLine === undefined ? undefined : this.front.length + inLine;
	}

	/** The 1-based places of those of `jobIds` that wait here: one walk of the fair order, as far as the furthest. */
	public positions(jobIds: readonly string[]): Map<string, number> {
		const found = new Map<string, number>();
		this.front.forEach((job, index) => {
			if (jobIds.includes(job.id)) found.set(job.id, index + 1);
		});
		const { line, keyId } = this.options;
		const mine = jobIds.filter((id) => line.has(id) && line.keyOf(id) === keyId);
		for (const [id, position] of line.positions(mine)) found.set(id, this.front.length + position);
		return found;
	}

	/** Jobs waiting, not counting those being submitted. */
	public get length(): number {
		return this.front.length + this.options.line.size(this.options.keyId);
	}

	/** Whether a job added now would have to wait. */
	public get busy(): boolean {
		return this.length > 0 || this.options.limiter.delay() > 0 || Date.now() < this.pausedUntil;
	}

	/** Whether nothing waits nor is being submitted: the queue may be dropped. */
	public get idle(): boolean {
		return this.length === 0 && this.inFlight.size === 0;
	}

	private isWaiting(jobId: string): boolean {
		return this.options.line.has(jobId) || this.front.some((job) => job.id === jobId);
	}

	/** The job whose turn it is: a retried one first, then the fair line's. */
	private next(): WaitingJob | undefined {
		return this.front.shift() ?? this.options.line.take(this.options.keyId);
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
		while (this.length > 0 && this.inFlight.size < CONCURRENCY) {
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
			const job = this.next()!;
			// The grant itself is taken by `submit`, right before the request leaves (see JobService.submit).
			this.awaitingGrant += 1;
			moved = true;
			this.inFlight.set(job.id, this.run(job));
		}
		if (moved) this.options.onMoved();
	}

	private async run(job: WaitingJob): Promise<void> {
		const jobId = job.id;
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
				this.front.unshift(job);
				this.options.onMoved();
			}
		} catch (error) {
			this.options.onError(error, jobId);
		} finally {
			if (!granted) this.awaitingGrant -= 1;
			this.inFlight.delete(jobId);
			this.pump();
		}
	}
}
