import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/store/keyedLock.js';

/** A promise settled from outside: each task below finishes exactly when the test says so. */
function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
	let resolve!: (value: T) => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** Lets every settled promise's reactions run, so a task that could start has started. */
async function settle(): Promise<void> {
	await new Promise((resolve) => setImmediate(resolve));
}

describe('KeyedLock', () => {
	it('runs the tasks of one key one at a time, in order of arrival, each answering its own caller', async () => {
		const lock = new KeyedLock();
		const events: string[] = [];
		const gates = [deferred(), deferred(), deferred()];
		const runs = gates.map(async (gate, index) =>
			lock.run('job-1', async () => {
				events.push(`start ${index}`);
				await gate.promise;
				events.push(`end ${index}`);
				return index * 10;
			}),
		);
		await settle();
		expect(events).toEqual(['start 0']);
		// Released out of order: the second still waits for the first.
		gates[2]!.resolve();
		gates[1]!.resolve();
		await settle();
		expect(events).toEqual(['start 0']);
		gates[0]!.resolve();
		expect(await Promise.all(runs)).toEqual([0, 10, 20]);
		expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
	});

	it('runs tasks of different keys side by side', async () => {
		const lock = new KeyedLock();
		const gate = deferred();
		const started: string[] = [];
		const a = lock.run('a', async () => {
			started.push('a');
			await gate.promise;
		});
		const b = lock.run('b', async () => {
			started.push('b');
			await gate.promise;
		});
		await settle();
		expect(started).toEqual(['a', 'b']);
		gate.resolve();
		await Promise.all([a, b]);
	});

	it('gives a failure to its own caller only: the next task of the key still runs', async () => {
		const lock = new KeyedLock();
		const gate = deferred();
		const failing = lock.run('k', async () => {
			await gate.promise;
			throw new Error('boom');
		});
		const next = lock.run('k', async () => 'ran');
		gate.resolve();
		await expect(failing).rejects.toThrow('boom');
		expect(await next).toBe('ran');
	});

	it('takes a key again at once once its tasks are done, a failed one included', async () => {
		const lock = new KeyedLock();
		await expect(
			lock.run('k', async () => {
				throw new Error('first');
			}),
		).rejects.toThrow('first');
		expect(await lock.run('k', async () => 'second')).toBe('second');
		const gate = deferred<string>();
		const held = lock.run('k', async () => gate.promise);
		const after = lock.run('k', async () => 'after');
		gate.resolve('held');
		expect(await Promise.all([held, after])).toEqual(['held', 'after']);
	});
});
