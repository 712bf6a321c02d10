import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SharedWindow } from '../../src/jobs/sharedWindow.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { freshStores, STORE_KINDS } from '../support/stores.js';

describe('SharedWindow on one process’s claims', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('grants at most `limit` per window, and again once the window has slid', async () => {
		vi.useFakeTimers({ now: 0 });
		const window = new SharedWindow(createClaims('memory://', Date.now), 'submit', 3, 1_000);
		const first = await Promise.all([1, 2, 3, 4].map(async () => window.tryTake()));
		expect(first.filter(Boolean)).toHaveLength(3);
		vi.setSystemTime(999);
		expect(await window.tryTake()).toBe(false);
		vi.setSystemTime(1_000);
		expect(await window.tryTake()).toBe(true);
	});

	it('waits for a slot to free up, and gives up when aborted', async () => {
		vi.useFakeTimers({ now: 0 });
		const window = new SharedWindow(createClaims('memory://', Date.now), 'query', 1, 1_000);
		await window.acquire();
		let granted = false;
		const waiting = window.acquire().then(() => {
			granted = true;
		});
		await vi.advanceTimersByTimeAsync(999);
		expect(granted).toBe(false);
		await vi.advanceTimersByTimeAsync(1);
		await waiting;
		expect(granted).toBe(true);

		const abort = new AbortController();
		const aborted = window.acquire(abort.signal);
		abort.abort();
		await expect(aborted).rejects.toThrow();
	});

	it('refuses a limit that is not a positive integer', () => {
		expect(() => new SharedWindow(createClaims('memory://'), 'x', 0, 1_000)).toThrow(RangeError);
	});
});

const stores = freshStores('window');

describe.each(STORE_KINDS)('SharedWindow across two processes’ connections (%s)', (kind) => {
	const opened: Claims[] = [];
	afterAll(async () => {
		await Promise.all(opened.map(async (claims) => claims.close()));
	});

	it('never grants more than the limit in one window, whichever process asks', async () => {
		const url = stores.url(kind);
		const a = createClaims(url);
		const b = createClaims(url);
		opened.push(a, b);
		const windows = [new SharedWindow(a, 'submit', 5, 60_000), new SharedWindow(b, 'submit', 5, 60_000)];
		// Twelve requests at once, six from each process.
		const granted = await Promise.all(Array.from({ length: 12 }, async (_, index) => windows[index % 2]!.tryTake()));
		expect(granted.filter(Boolean)).toHaveLength(5);
		// Another window name is another limit.
		expect(await new SharedWindow(b, 'query', 1, 60_000).tryTake()).toBe(true);
	});
});
