import { describe, expect, it } from 'vitest';
import { cachedCheck, storeAnswers } from '../../src/server/readiness.js';
import { createStore, type Store } from '../../src/store/store.js';

/** A check whose answers the test hands out one by one. */
function controlledCheck() {
	const pending: Array<(value: boolean) => void> = [];
	let calls = 0;
	return {
		get calls() {
			return calls;
		},
		answer(value: boolean) {
			pending.shift()?.(value);
		},
		check: async () => {
			calls++;
			return new Promise<boolean>((resolve) => pending.push(resolve));
		},
	};
}

describe('cachedCheck', () => {
	it('shares one run between concurrent callers', async () => {
		const control = controlledCheck();
		const probe = cachedCheck(control.check, { maxAgeMs: 2_000, timeoutMs: 60_000 });
		const answers = Promise.all(Array.from({ length: 100 }, async () => probe()));
		await Promise.resolve();
		control.answer(true);
		expect(await answers).toEqual(Array.from({ length: 100 }, () => true));
		expect(control.calls).toBe(1);
	});

	it('reuses an answer for maxAgeMs, then asks again', async () => {
		let now = 0;
		let calls = 0;
		let healthy = true;
		const probe = cachedCheck(
			async () => {
				calls++;
				return healthy;
			},
			{ maxAgeMs: 2_000, timeoutMs: 1_000, now: () => now },
		);
		expect(await probe()).toBe(true);
		healthy = false;
		now = 1_999;
		expect(await probe()).toBe(true);
		expect(calls).toBe(1);
		now = 2_000;
		expect(await probe()).toBe(false);
		expect(calls).toBe(2);
	});

	it('answers false when the check throws or does not answer in time', async () => {
		let now = 0;
		const throwing = cachedCheck(
			async () => {
				throw new Error('store down');
			},
			{ maxAgeMs: 0, timeoutMs: 1_000, now: () => now },
		);
		expect(await throwing()).toBe(false);
		const hanging = cachedCheck(async () => new Promise<boolean>(() => undefined), {
			maxAgeMs: 2_000,
			timeoutMs: 20,
			now: () => now,
		});
		expect(await hanging()).toBe(false);
		now = 10;
		// The failed answer is cached like any other: a flood while the store hangs waits once, not each time.
		expect(await hanging()).toBe(false);
	});
});

describe('storeAnswers', () => {
	/** The store, with every read and write of its collections counted. */
	function counted(store: Store) {
		const counts = { reads: 0, writes: 0 };
		return {
			counts,
			store: {
				...store,
				collection<Value>(name: string) {
					const keyv = store.collection<Value>(name);
					return new Proxy(keyv, {
						get(target, property, receiver) {
							const value: unknown = Reflect.get(target, property, receiver);
							if (typeof value !== 'function') return value;
							if (/^(get|has)/.test(String(property))) counts.reads++;
							if (/^(set|delete|clear)/.test(String(property))) counts.writes++;
							return (value as (...args: unknown[]) => unknown).bind(target);
						},
					});
				},
			} satisfies Store,
		};
	}

	it('reads the store and writes nothing', async () => {
		const { store, counts } = counted(createStore('memory://'));
		expect(await storeAnswers(store)).toBe(true);
		expect(counts).toEqual({ reads: 1, writes: 0 });
		await store.close();
	});

	it('fails when the store cannot answer', async () => {
		const store = createStore('memory://');
		const broken: Store = {
			...store,
			collection: () => {
				throw new Error('unreachable');
			},
		};
		await expect(storeAnswers(broken)).rejects.toThrow('unreachable');
		await store.close();
	});
});
