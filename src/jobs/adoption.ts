/**
 * Jobs whose submit has no clear outcome: the request left, and no answer of the provider's came back (a reset, a
 * time-out, a proxy's error page), or the process died while it was in flight. A paid task may exist, so the job is
 * never sent again; instead it stays open for the provider's callback, which names the task: a correctly signed
 * callback adopts it (the job becomes `submitted` with that task id, then is confirmed and delivered like any other).
 * When the window closes with no callback, the member gets a final message saying the outcome is unknown.
 */
import type { JobRecord } from './types.js';

export interface AdoptionPolicy {
	/** How long after its submit was sent a job stays open for the provider's callback. */
	windowMs: number;
	/** A request in flight longer than this can no longer be answered (the API client's time-out plus a margin). */
	requestDeadlineMs: number;
	/** Whether the provider calls back at all (PUBLIC_URL set): without callbacks, nothing can name the task. */
	callbacks: boolean;
}

type Submitting = Extract<JobRecord['state'], { phase: 'submitting' }>;

/**
 * Whether a callback may adopt the job's task: its outcome was found unknown, or its request has been in flight for
 * longer than any request can be (the process that sent it died). Otherwise the request may still be answered, and a
 * callback that arrives meanwhile is an early one (kept beside the job for the submit's answer to find).
 */
export function isAdoptable(state: Submitting, policy: AdoptionPolicy, now: number): boolean {
	return state.unknownSince !== undefined || now - state.since > policy.requestDeadlineMs;
}

/** When the job's window for adoption closes (epoch ms). Without callbacks, once its request can no longer be answered. */
export function adoptionClosesAt(state: Submitting, policy: AdoptionPolicy): number {
	if (!policy.callbacks) return state.since + policy.requestDeadlineMs;
	return Math.max(state.unknownSince ?? state.since, state.since) + policy.windowMs;
}

/** One timer per job waiting for adoption; few jobs ever wait, so no shared scheduler is needed. */
export class AdoptionWindows {
	private readonly timers = new Map<string, NodeJS.Timeout>();
	private stopped = false;

	public constructor(
		private readonly onClose: (jobId: string) => void,
		private readonly now: () => number,
	) {}

	/** (Re)schedules the job's window to close at `closesAt`. */
	public watch(jobId: string, closesAt: number): void {
		if (this.stopped) return;
		this.forget(jobId);
		// setTimeout's limit is about 24.8 days; windows are minutes, the clamp only guards against a bad setting.
		const delayMs = Math.min(Math.max(0, closesAt - this.now()), 2 ** 31 - 1);
		const timer = setTimeout(() => {
			this.timers.delete(jobId);
			this.onClose(jobId);
		}, delayMs);
		timer.unref();
		this.timers.set(jobId, timer);
	}

	public forget(jobId: string): void {
		const timer = this.timers.get(jobId);
		if (timer) clearTimeout(timer);
		this.timers.delete(jobId);
	}

	/** Stops every window; the jobs stay `submitting` in the store and the next start watches them again. */
	public stop(): void {
		this.stopped = true;
		for (const timer of this.timers.values()) clearTimeout(timer);
		this.timers.clear();
	}
}
