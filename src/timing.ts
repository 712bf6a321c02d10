/**
 * Stage timings for whoever listens (the benchmark): a stage's start and end are published on one diagnostics
 * channel. With nobody subscribed, nothing is timed and nothing published: one property read per call.
 */
import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/** One stage as published: `performance.now()` at its start and end in this process. */
export interface StageTiming {
	stage: string;
	/** What it worked on (a statement, a URL), for the listener to sort by. */
	detail: string;
	start: number;
	end: number;
}

export const TIMING_CHANNEL = 'mjbot:timing';

const timings = channel(TIMING_CHANNEL);

/** Runs `work`, publishing how long it took when someone listens. Not async itself: no extra promise otherwise. */
export function timed<T>(stage: string, detail: string, work: () => Promise<T>): Promise<T> {
	if (!timings.hasSubscribers) return work();
	const start = performance.now();
	return work().finally(() => {
		timings.publish({ stage, detail, start, end: performance.now() } satisfies StageTiming);
	});
}
