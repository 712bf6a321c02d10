import { describe, expect, it } from 'vitest';
import { jainIndex } from '../../src/jobs/fairness.js';
import { FairQueue, type QueuedJob } from '../../src/jobs/fairQueue.js';
import { estimateDrifted, estimatedStart } from '../../src/jobs/queueEstimate.js';

const KEY = 'key-a';

function job(id: string, guildId: string, memberId: string, keyId = KEY): QueuedJob {
	return { id, keyId, guildId, memberId };
}

/** Takes every job of `keyId`, in order. */
function drain(queue: FairQueue, keyId = KEY): string[] {
	const taken: string[] = [];
	for (let next = queue.take(keyId); next; next = queue.take(keyId)) taken.push(next.id);
	return taken;
}

/** A small deterministic generator (mulberry32), so a simulation is the same on every run. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

describe('FairQueue: the order of turns', () => {
	it('takes a member with one job within two turns of a member with ten, in one server', () => {
		const queue = new FairQueue();
		for (let index = 0; index < 10; index++) queue.enqueue(job(`alice-${index}`, 'g1', 'alice'));
		queue.enqueue(job('bob-0', 'g1', 'bob'));
		expect(queue.position('bob-0')).toBe(2);
		expect(drain(queue).indexOf('bob-0')).toBeLessThan(2);
	});

	it('…and when the member with ten has already had turns, or is in another server', () => {
		const queue = new FairQueue();
		for (let index = 0; index < 10; index++) queue.enqueue(job(`alice-${index}`, 'g1', 'alice'));
		queue.take(KEY);
		queue.take(KEY);
		queue.enqueue(job('bob-0', 'g2', 'bob'));
		expect(queue.position('bob-0')).toBe(2);
		expect([queue.take(KEY)?.id, queue.take(KEY)?.id]).toContain('bob-0');
	});

	it('goes round-robin across servers, and across members within each', () => {
		const queue = new FairQueue();
		for (const id of ['a1', 'a2', 'a3']) queue.enqueue(job(id, 'g1', 'a'));
		for (const id of ['b1', 'b2']) queue.enqueue(job(id, 'g1', 'b'));
		for (const id of ['c1', 'c2']) queue.enqueue(job(id, 'g2', 'c'));
		// g1 and g2 alternate; within g1, a and b alternate.
		expect(drain(queue)).toEqual(['a1', 'c1', 'b1', 'c2', 'a2', 'b2', 'a3']);
		expect(queue.size()).toBe(0);
		expect(queue.keyIds()).toEqual([]);
	});

	it('keeps each key’s jobs apart: a burst for one key never stands before another key’s job', () => {
		const queue = new FairQueue();
		for (let index = 0; index < 50; index++) queue.enqueue(job(`burst-${index}`, 'g1', 'm1', 'key-a'));
		queue.enqueue(job('other', 'g2', 'm2', 'key-b'));
		expect(queue.position('other')).toBe(1);
		expect(queue.take('key-b')?.id).toBe('other');
		expect(queue.size('key-a')).toBe(50);
		expect(queue.keyIds()).toEqual(['key-a']);
	});

	it('removes a job wherever it waits, and the others close up', () => {
		const queue = new FairQueue();
		for (const id of ['a1', 'a2']) queue.enqueue(job(id, 'g1', 'a'));
		queue.enqueue(job('b1', 'g2', 'b'));
		expect(queue.remove('a1')).toBe(true);
		expect(queue.remove('a1')).toBe(false);
		expect(queue.position('a2')).toBe(1);
		expect(queue.remove('b1')).toBe(true);
		expect(drain(queue)).toEqual(['a2']);
		expect(queue.position('b1')).toBeUndefined();
	});

	it('refuses the same job twice', () => {
		const queue = new FairQueue();
		queue.enqueue(job('x', 'g1', 'm'));
		expect(() => queue.enqueue(job('x', 'g1', 'm'))).toThrow(/queued already/);
	});
});

describe('FairQueue: positions are the order take follows', () => {
	it('for every job, through random arrivals, takes and removals, by position and by positions', () => {
		const random = seeded(17);
		const queue = new FairQueue();
		let next = 0;
		for (let step = 0; step < 600; step++) {
			const roll = random();
			if (roll < 0.6) {
				const keyId = random() < 0.8 ? KEY : 'key-b';
				queue.enqueue(job(`j${next++}`, `g${Math.floor(random() * 4)}`, `m${Math.floor(random() * 5)}`, keyId));
			} else if (roll < 0.85) queue.take(random() < 0.8 ? KEY : 'key-b');
			else queue.remove(`j${Math.floor(random() * next)}`);
			if (step % 50 !== 0) continue;
			for (const keyId of [KEY, 'key-b']) {
				const order = [...queue.order(keyId)];
				expect(order.map((id) => queue.position(id))).toEqual(order.map((_, index) => index + 1));
				const positions = queue.positions(order);
				expect(order.map((id) => positions.get(id))).toEqual(order.map((_, index) => index + 1));
			}
		}
		// And take follows that order.
		const expected = [...queue.order(KEY)];
		expect(drain(queue)).toEqual(expected);
	});

	it('with 10 000 queued, gives a page of positions and every position in one walk each', () => {
		const queue = new FairQueue();
		const random = seeded(10_000);
		const ids: string[] = [];
		for (let index = 0; index < 10_000; index++) {
			const id = `j${index}`;
			ids.push(id);
			queue.enqueue(job(id, `g${Math.floor(random() * 100)}`, `m${Math.floor(random() * 1_000)}`));
		}
		const page = ids.slice(5_000, 5_025);
		const positions = queue.positions(page);
		expect(page.map((id) => positions.get(id))).toEqual(page.map((id) => queue.position(id)));
		const all = queue.positions(ids);
		expect(new Set(all.values()).size).toBe(10_000);
		expect(Math.max(...all.values())).toBe(10_000);
		expect(queue.positions(['not-queued']).size).toBe(0);
	});
});

describe('FairQueue: fairness in a simulation (Jain’s index of waiting time across members)', () => {
	const GAP_MS = 500;
	const JOBS = 6;

	interface Member {
		guildId: string;
		memberId: string;
		arrivesAt: number;
	}

	/** 24 members in 4 servers; each queues `JOBS` jobs at once when it arrives. */
	function members(arrivesAt: (index: number) => number): Member[] {
		return Array.from({ length: 24 }, (_, index) => ({
			guildId: `g${index % 4}`,
			memberId: `m${index}`,
			arrivesAt: arrivesAt(index),
		}));
	}

	/** The key takes one job every GAP_MS; each member's mean wait, with the fair queue or first come first served. */
	function meanWaits(people: readonly Member[], fair: boolean): number[] {
		const queue = new FairQueue();
		const fifo: QueuedJob[] = [];
		const queuedAt = new Map<string, number>();
		const waits = new Map<string, number[]>();
		const total = people.length * JOBS;
		for (let now = 0, taken = 0; taken < total; now += GAP_MS) {
			for (const member of people.filter((candidate) => candidate.arrivesAt === now)) {
				for (let index = 0; index < JOBS; index++) {
					const queued = job(`${member.memberId}-${index}`, member.guildId, member.memberId);
					queuedAt.set(queued.id, now);
					if (fair) queue.enqueue(queued);
					else fifo.push(queued);
				}
			}
			const next = fair ? queue.take(KEY) : fifo.shift();
			if (!next) continue;
			taken += 1;
			const list = waits.get(next.memberId) ?? [];
			list.push(now - queuedAt.get(next.id)!);
			waits.set(next.memberId, list);
		}
		return [...waits.values()].map((list) => list.reduce((sum, wait) => sum + wait, 0) / list.length);
	}

	it('is at least 0.95 when members with equal demand queue in one burst (first come first served: about 0.75)', () => {
		const burst = members(() => 0);
		const fair = jainIndex(meanWaits(burst, true));
		const fifo = jainIndex(meanWaits(burst, false));
		expect(fair).toBeGreaterThanOrEqual(0.95);
		expect(fifo).toBeLessThan(0.8);
	});

	it('stays above first come first served when members arrive at random moments', () => {
		for (const seed of [1, 2, 3, 4, 5]) {
			const random = seeded(seed);
			const people = members(() => Math.floor(random() * 20) * GAP_MS);
			const fair = jainIndex(meanWaits(people, true));
			const fifo = jainIndex(meanWaits(people, false));
			// Who arrives into a busy queue waits longer whatever the order: the index cannot reach 1 here.
			expect(fair).toBeGreaterThanOrEqual(0.9);
			expect(fair).toBeGreaterThan(fifo + 0.1);
		}
	});
});

describe('jainIndex', () => {
	it('is 1 for equal values, 1/n when one takes all, and refuses nonsense', () => {
		expect(jainIndex([3, 3, 3])).toBe(1);
		expect(jainIndex([0, 0])).toBe(1);
		expect(jainIndex([5, 0, 0, 0])).toBe(0.25);
		expect(jainIndex([1, 2])).toBeCloseTo(0.9);
		expect(() => jainIndex([])).toThrow(RangeError);
		expect(() => jainIndex([-1])).toThrow(RangeError);
	});
});

describe('estimatedStart', () => {
	const rate = { limit: 20, windowMs: 10_000 };

	it('starts what the window still allows now, then `limit` per window', () => {
		expect(estimatedStart(1, rate, 1_000)).toBe(1_000);
		expect(estimatedStart(20, rate, 1_000)).toBe(1_000);
		expect(estimatedStart(21, rate, 1_000)).toBe(11_000);
		expect(estimatedStart(5, rate, 1_000, 0)).toBe(11_000);
		expect(estimatedStart(10_000, rate, 0, 0)).toBe(5_000_000);
		expect(() => estimatedStart(0, rate, 0)).toThrow(RangeError);
	});

	it('calls for an edit only past the margin', () => {
		expect(estimateDrifted(10_000, 14_000, 5_000)).toBe(false);
		expect(estimateDrifted(10_000, 16_000, 5_000)).toBe(true);
	});
});
