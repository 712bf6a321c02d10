/**
 * A counting semaphore: at most `size` holders at once; the others wait their turn in arrival order.
 */
export class Slots {
	private free: number;
	private readonly waiting: Array<() => void> = [];

	public constructor(public readonly size: number) {
		this.free = size;
	}

	/** Slots held right now. */
	public get inUse(): number {
		return this.size - this.free;
	}

	/** Callers waiting for a slot. */
	public get queued(): number {
		return this.waiting.length;
	}

	/** Waits for a slot; the returned function gives it back (calling it again does nothing). */
	public async take(): Promise<() => void> {
		if (this.free > 0) this.free--;
		else await new Promise<void>((resolve) => this.waiting.push(resolve));
		let held = true;
		return () => {
			if (!held) return;
			held = false;
			// Handed straight to the next in line, so a newcomer cannot overtake it.
			const next = this.waiting.shift();
			if (next) next();
			else this.free++;
		};
	}
}
