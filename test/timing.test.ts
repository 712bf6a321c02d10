import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { timed, TIMING_CHANNEL, type StageTiming } from '../src/timing.js';

describe('timed', () => {
	const seen: StageTiming[] = [];
	const listener = (message: unknown): void => {
		seen.push(message as StageTiming);
	};
	afterEach(() => {
		unsubscribe(TIMING_CHANNEL, listener);
		seen.length = 0;
	});

	it('publishes nothing while nobody listens, and passes the result through', async () => {
		await expect(timed('store', 'SELECT 1', async () => 42)).resolves.toBe(42);
		subscribe(TIMING_CHANNEL, listener);
		unsubscribe(TIMING_CHANNEL, listener);
		await timed('store', 'SELECT 1', async () => 1);
		expect(seen).toEqual([]);
	});

	it('publishes the stage, what it worked on and its start and end to a listener, failures included', async () => {
		subscribe(TIMING_CHANNEL, listener);
		await timed('download', 'http://files/a.png', async () => 'done');
		await expect(timed('store', 'INSERT', async () => Promise.reject(new Error('locked')))).rejects.toThrow('locked');
		expect(seen.map(({ stage, detail }) => [stage, detail])).toEqual([
			['download', 'http://files/a.png'],
			['store', 'INSERT'],
		]);
		for (const timing of seen) expect(timing.end).toBeGreaterThanOrEqual(timing.start);
	});
});
