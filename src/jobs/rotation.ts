/**
 * A round-robin over named entries: `current()` is served, then `advance()` moves on (or `removeCurrent()` when it has
 * nothing left). A newcomer joins at the end of the current round, behind everyone already waiting, so it waits at
 * most one turn of each of them.
 */
export class Rotation<Entry> {
	private readonly order: string[] = [];
	private readonly entries = new Map<string, Entry>();
	/** Index in `order` of the entry served next. */
	private cursor = 0;

	public get size(): number {
		return this.order.length;
	}

	public get(name: string): Entry | undefined {
		return this.entries.get(name);
	}

	public add(name: string, entry: Entry): void {
		if (this.entries.has(name)) throw new Error(`${name} is in the rotation already`);
		this.entries.set(name, entry);
		// Just before the cursor: the last to be served in the round that starts at the cursor.
		this.order.splice(this.cursor, 0, name);
		if (this.order.length > 1) this.cursor += 1;
	}

	public current(): Entry | undefined {
		const name = this.order[this.cursor];
		return name === undefined ? undefined : this.entries.get(name);
	}

	public advance(): void {
		if (this.order.length > 0) this.cursor = (this.cursor + 1) % this.order.length;
	}

	public removeCurrent(): void {
		const name = this.order[this.cursor];
		if (name !== undefined) this.remove(name);
	}

	public remove(name: string): boolean {
		if (!this.entries.delete(name)) return false;
		const index = this.order.indexOf(name);
		this.order.splice(index, 1);
		if (index < this.cursor) this.cursor -= 1;
		if (this.cursor >= this.order.length) this.cursor = 0;
		return true;
	}

	/** Every entry, the one served next first. */
	public *inTurnOrder(): Generator<[string, Entry]> {
		for (let offset = 0; offset < this.order.length; offset++) {
			const name = this.order[(this.cursor + offset) % this.order.length]!;
			yield [name, this.entries.get(name)!];
		}
	}
}
