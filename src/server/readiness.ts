/**
 * `/readyz` answers from a cached probe: it is unauthenticated, so a flood of it must cost the store nothing. The
 * store is asked at most once per `maxAgeMs` (concurrent requests share the question in flight), with a read, never
 * a write, and for at most `timeoutMs`.
 */
import type { Store } from '../store/store.js';

export interface CachedCheckOptions {
	/** How long an answer is reused. */
	maxAgeMs: number;
	/** A check that has not answered by then counts as failed (a Redis client that lost its server waits forever). */
	timeoutMs: number;
	now?: () => number;
}

/** `check`, run at most once per `maxAgeMs`, bounded to `timeoutMs`, false when it throws. */
export function cachedCheck(check: () => Promise<boolean>, options: CachedCheckOptions): () => Promise<boolean> {
	const now = options.now ?? Date.now;
	let answer: { value: boolean; at: number } | undefined;
	let inFlight: Promise<boolean> | undefined;
	return async () => {
		if (answer && now() - answer.at < options.maxAgeMs) return answer.value;
		inFlight ??= withTimeout(Promise.resolve().then(check), options.timeoutMs)
			.catch(() => false)
			.then((value) => {
				answer = { value, at: now() };
				inFlight = undefined;
				return value;
			});
		return inFlight;
	};
}

/** A key nobody writes: reading it is a round trip to the store and nothing else. */
const PROBE_KEY = 'readiness-probe';

/** Whether the store answers a read. */
export async function storeAnswers(store: Store): Promise<boolean> {
	await store.collection<unknown>('meta').get(PROBE_KEY);
	return true;
}

async function withTimeout(work: Promise<boolean>, timeoutMs: number): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<boolean>((resolve) => {
		timer = setTimeout(() => resolve(false), timeoutMs);
	});
	try {
		return await Promise.race([work, timeout]);
	} finally {
		clearTimeout(timer);
	}
}
