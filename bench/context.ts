/** What every figure gets: the world (fakes + bot), the run's sizes, and a logger for progress. */
import type { BenchWorld } from './world.js';

export interface Sizes {
	/** autocannon run length (s) and its warm-up (s). */
	floodSeconds: number;
	floodWarmupSeconds: number;
	validCallbacks: number;
	deferInteractions: number;
	/** Jobs waiting in the bot's queue while defer latency is measured again. */
	deferQueuedJobs: number;
	/** Interactions of the burst figure, and how long its bot is watched after them (s). */
	burstInteractions: number;
	burstWatchSeconds: number;
	deliveryJobs: number;
	bucketResults: number;
	pendingJobs: number;
	/** Longest the memory figure spends submitting them (s): it reports how many it reached. */
	pendingBudgetSeconds: number;
	/** How long restart polls are watched after the restarted bot is ready (s). */
	restartWatchSeconds: number;
}

export const FULL: Sizes = {
	floodSeconds: 10,
	floodWarmupSeconds: 2,
	validCallbacks: 300,
	deferInteractions: 50,
	deferQueuedJobs: 1000,
	burstInteractions: 10_000,
	burstWatchSeconds: 60,
	deliveryJobs: 50,
	bucketResults: 1000,
	pendingJobs: 10_000,
	pendingBudgetSeconds: 300,
	restartWatchSeconds: 15,
};

export const QUICK: Sizes = {
	floodSeconds: 3,
	floodWarmupSeconds: 1,
	validCallbacks: 300,
	deferInteractions: 50,
	deferQueuedJobs: 1000,
	burstInteractions: 2000,
	burstWatchSeconds: 20,
	deliveryJobs: 20,
	bucketResults: 200,
	pendingJobs: 1000,
	pendingBudgetSeconds: 60,
	restartWatchSeconds: 8,
};

/**
 * Discord's channel bucket as the fake enforces it: `limit` writes per `windowMs` per channel. Discord's window for
 * channel messages is 5 s (5 per 5 s); the limit is raised to 50 so that 1 000 results take minutes, not an hour.
 */
export const CHANNEL_BUCKET = { limit: 50, windowMs: 5000 } as const;

/** The provider's documented query limit (record-info), per second. */
export const PROVIDER_QUERY_LIMIT_PER_S = 10;

/** The memory bound of the issue. */
export const MEMORY_BOUND_BYTES = 150 * 1024 * 1024;

export interface BenchContext {
	world: BenchWorld;
	sizes: Sizes;
	quick: boolean;
	runId: string;
	/** Write heap snapshots of the memory figure's bot (idle and loaded). */
	heapSnapshots: boolean;
	log(message: string): void;
}
