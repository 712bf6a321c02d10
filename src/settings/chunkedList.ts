/**
 * An append-only list kept in a Keyv collection in chunks of a bounded size, with a head that names the last chunk.
 * Appending rewrites the last chunk only, not the whole list: a busy server's jobs of one day were one value,
 * rewritten (and parsed) in full on every grant, which made a burst of 10 000 jobs cost ~12 ms of CPU per job in the
 * memory benchmark instead of ~4.
 *
 * Not safe for concurrent writers: the caller serialises them (the server's shared lock, see usage.ts).
 */
import type Keyv from 'keyv';

/** Entries per chunk: reading a day's list costs one read per this many jobs, appending one write of at most this. */
export const CHUNK_SIZE = 200;

export class ChunkedList<Entry> {
	public constructor(
		private readonly chunks: Keyv<Entry[]>,
		/** Per list: the index of its last chunk. */
		private readonly heads: Keyv<number>,
		private readonly ttlMs: number,
	) {}

	public async append(list: string, entries: readonly Entry[]): Promise<void> {
		if (entries.length === 0) return;
		const storedHead = await this.heads.get(list);
		const head = storedHead ?? 0;
		let index = head;
		let chunk = (await this.chunks.get(chunkKey(list, index))) ?? [];
		const writes: Array<Promise<unknown>> = [];
		for (const entry of entries) {
			if (chunk.length >= CHUNK_SIZE) {
				writes.push(this.chunks.set(chunkKey(list, index), chunk, this.ttlMs));
				index += 1;
				chunk = [];
			}
			chunk.push(entry);
		}
		writes.push(this.chunks.set(chunkKey(list, index), chunk, this.ttlMs));
		await Promise.all(writes);
		// The head last: a reader between the writes sees the chunks it names, all complete. It is written only when it
		// moves, so `ttlMs` must outlast the period a list is appended to (usage.ts: a day's list, kept two days).
		if (storedHead === undefined || index !== head) await this.heads.set(list, index, this.ttlMs);
	}

	public async entries(list: string): Promise<Entry[]> {
		const head = await this.heads.get(list);
		if (head === undefined) return [];
		const keys = Array.from({ length: head + 1 }, (_, index) => chunkKey(list, index));
		const chunks = await this.chunks.get(keys);
		return chunks.flatMap((chunk) => chunk ?? []);
	}

	/** Removes the entries `matches` picks, rewriting only the chunks that held one. Resolves whether any did. */
	public async remove(list: string, matches: (entry: Entry) => boolean): Promise<boolean> {
		const head = await this.heads.get(list);
		if (head === undefined) return false;
		let removed = false;
		for (let index = 0; index <= head; index++) {
			const chunk = await this.chunks.get(chunkKey(list, index));
			if (!chunk?.some(matches)) continue;
			await this.chunks.set(
				chunkKey(list, index),
				chunk.filter((entry) => !matches(entry)),
				this.ttlMs,
			);
			removed = true;
		}
		return removed;
	}
}

function chunkKey(list: string, index: number): string {
	return `${list}#${index}`;
}
