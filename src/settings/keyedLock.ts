/** Serialises async work per key within this process (a read-modify-write of one store entry, say). */
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
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}
}
