/**
 * Serialises async work per key within this process: a read-modify-write of one store entry, say, or two posts of one
 * picked image. Tasks of one key run one at a time in order of arrival; a task that fails does not stop the next.
 * Across processes, see claims.ts.
 */
export class KeyedLock {
	private readonly tails = new Map<string, Promise<unknown>>();

	public async run<T>(key: string, task: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		const run = previous.then(task, task);
		const tail = run.catch(() => undefined);
		this.tails.set(key, tail);
		try {
			return await run;
		} finally {
			// The last task of a key leaves nothing behind: the map holds only keys with work pending.
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}
}
