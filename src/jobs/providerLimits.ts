/**
 * The provider's two rate limits as the job service keeps them: a sliding window per process (the queue's pacing and
 * the poll scheduler's), and, when several processes share the store and the account, the same limit shared through
 * the claims, which every request also takes a grant from.
 */
import type { Claims } from '../store/claims.js';
import { SlidingWindowLimiter } from './rateLimit.js';
import { SharedWindow } from './sharedWindow.js';

/**
 * The provider counts requests as they arrive, after any jitter on the way: every limit is kept over a window 10%
 * longer than the provider's, so requests sent a window apart can never land inside one.
 */
const WINDOW_MARGIN = 1.1;
/** The query limit is stated per second. */
const QUERY_WINDOW_MS = Math.round(1_000 * WINDOW_MARGIN);

export interface ProviderLimits {
	submits: SlidingWindowLimiter;
	queries: SlidingWindowLimiter;
	/** Present when the limits are shared with other processes. */
	shared?: { submits: SharedWindow; queries: SharedWindow };
}

export function providerLimits(options: {
	submitLimit: { limit: number; windowMs: number };
	queryRatePerSecond: number;
	/** Claims shared with the other processes, when there are any. */
	sharedThrough?: Pick<Claims, 'claim'>;
	/** Sets the shared windows of one key apart (its key id); none: the single-key names `submit` and `query`. */
	windowSuffix?: string;
}): ProviderLimits {
	const submitWindowMs = Math.round(options.submitLimit.windowMs * WINDOW_MARGIN);
	const { limit } = options.submitLimit;
	const shared = options.sharedThrough;
	const name = (window: string) => (options.windowSuffix === undefined ? window : `${window}:${options.windowSuffix}`);
	return {
		submits: new SlidingWindowLimiter(limit, submitWindowMs),
		queries: new SlidingWindowLimiter(options.queryRatePerSecond, QUERY_WINDOW_MS),
		...(shared
			? {
					shared: {
						submits: new SharedWindow(shared, name('submit'), limit, submitWindowMs),
						queries: new SharedWindow(shared, name('query'), options.queryRatePerSecond, QUERY_WINDOW_MS),
					},
				}
			: {}),
	};
}
