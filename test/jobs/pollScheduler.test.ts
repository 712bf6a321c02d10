import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PollScheduler } from '../../src/jobs/pollScheduler.js';
import { SlidingWindowLimiter } from '../../src/jobs/rateLimit.js';

describe('SlidingWindowLimiter', () => {
	let now = 0;
	const clock = () => now;

	it('grants at most `limit` in any window and says how long until the next', () => {
		const limiter = new SlidingWindowLimiter(3, 1_000, clock);
		now = 100;
		expect([limiter.tryTake(), limiter.tryTake(), limiter.tryTake(), limiter.tryTake()]).toEqual([
			true,
			true,
			true,
			false,
		]);
		expect(limiter.delay()).toBe(1_000);
		now = 1_099;
		expect(limiter.tryTake()).toBe(false);
		now = 1_100;
		expect(limiter.available()).toBe(3);
		expect(limiter.tryTake()).toBe(true);
		expect(limiter.available()).toBe(2);
	});

	it('refuses a limit that is not a positive integer', () => {
		expect(() => new SlidingWindowLimiter(0, 1_000)).toThrow(RangeError);
		expect(() => new SlidingWindowLimiter(1.5, 1_000)).toThrow(RangeError);
	});
});

describe('PollScheduler', () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: 0 });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	function scheduler(limit = 2, windowMs = 1_000) {
		const fired: string[] = [];
		const polls = new PollScheduler(new SlidingWindowLimiter(limit, windowMs), (jobId) => fired.push(jobId));
		return { polls, fired };
	}

	it('runs a job due now at once (no timer tick) while the limit allows', async () => {
		const { polls, fired } = scheduler();
		expect(polls.schedule('a', 0)).toBe(true);
		expect(polls.size).toBe(0);
		await Promise.resolve();
		expect(fired).toEqual(['a']);
	});

	it('keeps jobs due now beyond the limit waiting, and runs them in order as the window slides', async () => {
		const { polls, fired } = scheduler(2, 1_000);
		expect(['a', 'b', 'c', 'd'].map((id) => polls.schedule(id, 0))).toEqual([true, true, false, false]);
		await vi.advanceTimersByTimeAsync(0);
		expect(fired).toEqual(['a', 'b']);
		await vi.advanceTimersByTimeAsync(999);
		expect(fired).toEqual(['a', 'b']);
		await vi.advanceTimersByTimeAsync(1);
		expect(fired).toEqual(['a', 'b', 'c', 'd']);
	});

	it('does not let a new job due now jump ahead of one already waiting for the limit', async () => {
		const { polls, fired } = scheduler(1, 1_000);
		polls.schedule('first', 0);
		polls.schedule('waiting', 0);
		await vi.advanceTimersByTimeAsync(0);
		expect(fired).toEqual(['first']);
		// The window has slid, but the timer that would run 'waiting' has not fired yet (a busy event loop).
		vi.setSystemTime(1_000);
		polls.schedule('late', 0);
		await Promise.resolve();
		expect(fired).toEqual(['first']);
		// (Fake timers keep a pending timer's remaining time across setSystemTime: it fires 1 s from here.)
		await vi.advanceTimersByTimeAsync(1_000);
		expect(fired).toEqual(['first', 'waiting']);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(fired).toEqual(['first', 'waiting', 'late']);
	});

	it('runs delayed jobs by due time, and a sooner schedule beats a later one but never postpones', async () => {
		const { polls, fired } = scheduler(10, 1_000);
		polls.schedule('slow', 5_000);
		polls.schedule('fast', 1_000);
		polls.schedule('fast', 3_000);
		polls.schedule('slow', 2_000);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(fired).toEqual(['fast']);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(fired).toEqual(['fast', 'slow']);
		await vi.advanceTimersByTimeAsync(10_000);
		expect(fired).toEqual(['fast', 'slow']);
	});

	it('forgets cancelled jobs and stops firing when stopped', async () => {
		const { polls, fired } = scheduler();
		polls.schedule('cancelled', 100);
		polls.schedule('stopped', 200);
		polls.cancel('cancelled');
		await vi.advanceTimersByTimeAsync(150);
		polls.stop();
		polls.schedule('after-stop', 0);
		await vi.advanceTimersByTimeAsync(1_000);
		expect(fired).toEqual([]);
	});
});
