/**
 * Work somebody is waiting on right now, before work nobody is: a provider's callback waits for its answer, while
 * confirming and delivering a result can start a moment later. Under a burst of callbacks, the first results'
 * deliveries (rendering, uploads) took the event loop from the callbacks still to be answered: with confirmations
 * held until the callbacks were answered, the callbacks answered a second rose by about half.
 *
 * Background work waits for {@link Foreground.idle}, never longer than a bound, so that a steady stream of
 * foreground work slows it down but never starves it.
 */

import { setImmediate as yieldTurn } from 'node:timers/promises';

/** The longest background work waits for foreground work to end. */
export const FOREGROUND_MAX_WAIT_MS = 200;

export class Foreground {
	private running = 0;
	private waiting: Array<() => void> = [];
	private timer: NodeJS.Timeout | undefined;

	public constructor(private readonly maxWaitMs: number = FOREGROUND_MAX_WAIT_MS) {}

	/** Foreground work starts; call the returned function once it ends (calling it again does nothing). */
	public begin(): () => void {
		this.running += 1;
		let ended = false;
		return () => {
			if (ended) return;
			ended = true;
			this.running -= 1;
			if (this.running === 0) this.release();
		};
	}

	/**
	 * Settles when no foreground work runs, once input that has already arrived (a callback waiting on its socket) has
	 * had its turn to start, or after the bound, whichever is first.
	 */
	public async idle(): Promise<void> {
		const giveUpAt = Date.now() + this.maxWaitMs;
		while (Date.now() < giveUpAt) {
			if (this.running > 0) {
				await this.ended(giveUpAt - Date.now());
				continue;
			}
			// A turn of the event loop: requests already received start (and count as running) before this goes on.
			await yieldTurn();
			if (this.running === 0) return;
		}
	}

	/**
	 * Settles when running foreground work ends, or after `withinMs` at most (sooner when a waiter before it has less
	 * time left: that one's timer serves all, and the others wait again for what they have left).
	 */
	private async ended(withinMs: number): Promise<void> {
		await new Promise<void>((resolve) => {
			this.waiting.push(resolve);
			if (!this.timer) {
				this.timer = setTimeout(() => this.release(), Math.max(0, withinMs));
				this.timer.unref();
			}
		});
	}

	private release(): void {
		clearTimeout(this.timer);
		this.timer = undefined;
		const waiting = this.waiting;
		this.waiting = [];
		for (const resolve of waiting) resolve();
	}
}
