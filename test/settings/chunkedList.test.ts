import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, ChunkedList } from '../../src/settings/chunkedList.js';
import { createStore, type Store } from '../../src/store/store.js';
import { freshStores, STORE_KINDS, type StoreKind } from '../support/stores.js';

const stores = freshStores('chunked-list');

describe.each(STORE_KINDS)('a chunked list on %s', (kind: StoreKind) => {
	let store: Store;
	let list: ChunkedList<number>;

	beforeEach(() => {
		store = createStore(stores.url(kind));
		list = new ChunkedList(store.collection<number[]>('chunks'), store.collection<number>('heads'), 60_000);
	});

	afterEach(async () => {
		await store.close();
	});

	it('keeps every entry in order across chunks, whatever the batch sizes', async () => {
		const appended: number[] = [];
		let next = 0;
		for (const size of [1, CHUNK_SIZE - 1, 1, CHUNK_SIZE * 2 + 3, 7]) {
			const batch = Array.from({ length: size }, () => next++);
			await list.append('day', batch);
			appended.push(...batch);
		}
		expect(await list.entries('day')).toEqual(appended);
		// Each chunk holds at most CHUNK_SIZE entries: appending rewrites a bounded value.
		const chunks = store.collection<number[]>('chunks');
		const last = await store.collection<number>('heads').get('day');
		expect(last).toBe(Math.ceil(appended.length / CHUNK_SIZE) - 1);
		for (let index = 0; index <= last!; index++) {
			expect((await chunks.get(`day#${index}`))!.length).toBeLessThanOrEqual(CHUNK_SIZE);
		}
		expect(await list.entries('another day')).toEqual([]);
	});

	it('removes entries wherever they are, and says whether it found one', async () => {
		await list.append(
			'day',
			Array.from({ length: CHUNK_SIZE + 10 }, (_, index) => index),
		);
		expect(await list.remove('day', (entry) => entry === 3 || entry === CHUNK_SIZE + 5)).toBe(true);
		expect(await list.remove('day', (entry) => entry === 3)).toBe(false);
		expect(await list.remove('no such day', () => true)).toBe(false);
		const left = await list.entries('day');
		expect(left).toHaveLength(CHUNK_SIZE + 8);
		expect(left).not.toContain(3);
		expect(left).not.toContain(CHUNK_SIZE + 5);
	});
});
