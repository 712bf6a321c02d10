/**
 * Timers that ask the job service to check a task. Only timers live here (in memory); every fact they act on is in the
 * store, so a restart simply schedules the open jobs again.
 */

export interface PollPolicy {
	/** Delay before the first poll of a job that gets no callbacks. */
	firstDelayMs: number;
	/** Delay before the first poll of a job whose callback is expected (a safety net for lost callbacks). */
	callbackGraceMs: number;
	/** Upper bound of the back-off. */
	maxDelayMs: number;
}

/** The delay before poll number `attempt` (0-based): a few seconds first, growing to `maxDelayMs`. */
export function pollDelay(policy: PollPolicy, attempt: number, expectsCallback: boolean): number {
	if (attempt === 0) return expectsCallback ? policy.callbackGraceMs : policy.firstDelayMs;
	return Math.min(policy.maxDelayMs, Math.round(policy.firstDelayMs * 1.5 ** attempt));
}

export class PollTimers {
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private stopped = false;

	public constructor(private readonly onDue: (jobId: string) => void) {}

	public schedule(jobId: string, delayMs: number): void {
		if (this.stopped) return;
		this.cancel(jobId);
		const timer = setTimeout(() => {
			this.timers.delete(jobId);
			this.onDue(jobId);
		}, delayMs);
		this.timers.set(jobId, timer);
	}

	public cancel(jobId: string): void {
		const timer = this.timers.get(jobId);
		if (timer) clearTimeout(timer);
		this.timers.delete(jobId);
	}

	public get size(): number {
		return this.timers.size;
	}

	public stop(): void {
		this.stopped = true;
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.timers.clear();
	}
}
