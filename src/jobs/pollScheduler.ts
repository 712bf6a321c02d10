/**
 * One scheduler for every status query the bot makes, under the provider's query limit. Jobs are kept in a min-heap
 * by due time, so 10 000 pending jobs cost one timer, not 10 000; when more are due than the limit allows, the
 * earliest go first and the rest wait their turn.
 */
import type { SlidingWindowLimiter } from './rateLimit.js';

interface Entry {
	jobId: string;
	dueAt: number;
}

export class PollScheduler {
	private readonly heap: Entry[] = [];
	/** The current due time of each scheduled job; heap entries that disagree are stale and skipped. */
	private readonly due = new Map<string, number>();
	private timer: NodeJS.Timeout | undefined;
	private timerAt = Number.POSITIVE_INFINITY;
	private stopped = false;

	public constructor(
		private readonly limiter: SlidingWindowLimiter,
		private readonly onDue: (jobId: string) => void,
		private readonly now: () => number = Date.now,
	) {}

	/**
	 * Polls the job after `delayMs`, or sooner if it is already due sooner (a callback's "now" beats a later poll).
	 * Returns true when the poll starts at once (due now, and the limit has room), false when it waits.
	 */
	public schedule(jobId: string, delayMs: number): boolean {
		if (this.stopped) return false;
		const now = this.now();
		const dueAt = now + Math.max(0, delayMs);
		const current = this.due.get(jobId);
		if (current !== undefined && current <= dueAt) return false;
		if (delayMs <= 0 && this.tryRunNow(jobId)) {
			queueMicrotask(() => this.onDue(jobId));
			return true;
		}
		this.due.set(jobId, dueAt);
		this.push({ jobId, dueAt });
		this.arm();
		return false;
	}

	/**
	 * Takes a query for a job due now when nobody due is waiting ahead of it and the limit has room: the caller then
	 * polls it at once itself (rather than after a timer tick, which would add a millisecond or more to every callback's
	 * confirmation). Any later poll scheduled for it is dropped. False: nothing changed, schedule it instead.
	 */
	public tryRunNow(jobId: string): boolean {
		if (this.stopped || this.hasDueWaiting(this.now()) || !this.limiter.tryTake()) return false;
		this.due.delete(jobId);
		return true;
	}

	public cancel(jobId: string): void {
		this.due.delete(jobId);
	}

	public get size(): number {
		return this.due.size;
	}

	public stop(): void {
		this.stopped = true;
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.heap.length = 0;
		this.due.clear();
	}

	private arm(): void {
		this.dropStale();
		const head = this.heap[0];
		if (!head || this.stopped) return;
		const at = Math.max(head.dueAt, this.now() + this.limiter.delay());
		if (this.timer && at >= this.timerAt) return;
		if (this.timer) clearTimeout(this.timer);
		this.timerAt = at;
		this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.now()));
	}

	private fire(): void {
		this.timer = undefined;
		this.timerAt = Number.POSITIVE_INFINITY;
		for (;;) {
			this.dropStale();
			const head = this.heap[0];
			if (!head || head.dueAt > this.now() || !this.limiter.tryTake()) break;
			this.pop();
			this.due.delete(head.jobId);
			this.onDue(head.jobId);
		}
		this.arm();
	}

	/** Whether a job already due is waiting for its turn (it goes first). */
	private hasDueWaiting(now: number): boolean {
		this.dropStale();
		const head = this.heap[0];
		return head !== undefined && head.dueAt <= now;
	}

	private dropStale(): void {
		while (this.heap.length > 0) {
			const head = this.heap[0]!;
			if (this.due.get(head.jobId) === head.dueAt) return;
			this.pop();
		}
	}

	private push(entry: Entry): void {
		const heap = this.heap;
		heap.push(entry);
		let index = heap.length - 1;
		while (index > 0) {
			const parent = (index - 1) >> 1;
			if (heap[parent]!.dueAt <= entry.dueAt) break;
			heap[index] = heap[parent]!;
			index = parent;
		}
		heap[index] = entry;
	}

	private pop(): void {
		const heap = this.heap;
		const last = heap.pop()!;
		if (heap.length === 0) return;
		let index = 0;
		for (;;) {
			const left = index * 2 + 1;
			if (left >= heap.length) break;
			const right = left + 1;
			const child = right < heap.length && heap[right]!.dueAt < heap[left]!.dueAt ? right : left;
			if (heap[child]!.dueAt >= last.dueAt) break;
			heap[index] = heap[child]!;
			index = child;
		}
		heap[index] = last;
	}
}
