import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Foreground } from '../src/foreground.js';

/** Whether the promise settled within a few turns of the event loop. */
async function settledSoon(promise: Promise<void>): Promise<boolean> {
	let settled = false;
	void promise.then(() => (settled = true));
	for (let index = 0; index < 5 && !settled; index++) await turn();
	return settled;
}

describe('Foreground', () => {
	it('lets background work go on at once when nothing is in the foreground', async () => {
		expect(await settledSoon(new Foreground().idle())).toBe(true);
	});

	it('holds background work while foreground work runs, and lets it go when the last one ends', async () => {
		const foreground = new Foreground(60_000);
		const first = foreground.begin();
		const second = foreground.begin();
		const idle = foreground.idle();
		expect(await settledSoon(idle)).toBe(false);
		first();
		first(); // Ending twice counts once.
		expect(await settledSoon(idle)).toBe(false);
		second();
		expect(await settledSoon(idle)).toBe(true);
	});

	it('lets foreground work that starts on the same turn go first', async () => {
		const foreground = new Foreground(60_000);
		const end = foreground.begin();
		const idle = foreground.idle();
		end();
		// Work that arrived meanwhile starts before the waiting background work looks again.
		const next = foreground.begin();
		expect(await settledSoon(idle)).toBe(false);
		next();
		expect(await settledSoon(idle)).toBe(true);
	});

	it('never holds background work longer than its bound, however busy the foreground stays', async () => {
		const foreground = new Foreground(5);
		foreground.begin();
		await expect(foreground.idle()).resolves.toBeUndefined();
	});
});
