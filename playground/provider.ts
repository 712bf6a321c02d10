/**
 * Drives the fake Midjourney the way the real one behaves: a task finishes a few seconds after it was created and
 * its callback is sent, and switches bring in what members meet in real life (a failed task, no credits, a slow API,
 * a callback that never comes, an outage).
 */
import { z } from 'zod';
import type { FakeMidjourney, FakeResponse, FakeTask } from '../fakes/midjourney.js';

export const OUTAGES = ['off', 'maintenance', 'dropped'] as const;

export const switchesSchema = z.object({
	/** How long a task takes, from its creation to its result. */
	generationSeconds: z.number().min(0).max(120),
	/** Tasks fail: the provider's failure callback. */
	failure: z.boolean(),
	/** The account has no credits: generate answers 402. */
	noCredits: z.boolean(),
	/** Every API call takes `SLOW_API_MS`. */
	slowApi: z.boolean(),
	/** No callback is sent: the bot's safety-net polling finds the result. */
	lostCallback: z.boolean(),
	/** `maintenance`: every call answers 455; `dropped`: each connection is cut once the request arrived, before any answer. */
	outage: z.enum(OUTAGES),
});

export type ProviderSwitches = z.infer<typeof switchesSchema>;

/** How long each API call takes while "slow API" is on. */
export const SLOW_API_MS = 6_000;

/** What a failed task reports, as the provider words it. */
export const FAILURE_MESSAGE = 'Image generation failed: the prompt was flagged by the moderation filter.';

const DEFAULT_SWITCHES: ProviderSwitches = {
	generationSeconds: 5,
	failure: false,
	noCredits: false,
	slowApi: false,
	lostCallback: false,
	outage: 'off',
};

const MAINTENANCE: FakeResponse = {
	status: 455,
	body: { code: 455, msg: 'Service is under maintenance, please try again later', data: null },
};

export class ProviderAutopilot {
	#switches: ProviderSwitches;
	#mj: FakeMidjourney | undefined;
	readonly #timers = new Set<NodeJS.Timeout>();
	readonly #onError: (error: unknown) => void;

	constructor(initial: Partial<ProviderSwitches>, onError: (error: unknown) => void) {
		this.#switches = { ...DEFAULT_SWITCHES, ...initial };
		this.#onError = onError;
	}

	/** The fake it drives (created with `onTask` bound to this autopilot's `taskCreated`). */
	attach(mj: FakeMidjourney): void {
		this.#mj = mj;
		this.#apply();
	}

	get switches(): ProviderSwitches {
		return { ...this.#switches };
	}

	update(changes: Partial<ProviderSwitches>): ProviderSwitches {
		this.#switches = switchesSchema.parse({ ...this.#switches, ...changes });
		this.#apply();
		return this.switches;
	}

	/** A new task: it finishes after the generation time, as the switches say at its creation. */
	taskCreated(task: FakeTask): void {
		const { failure, lostCallback, generationSeconds } = this.#switches;
		const timer = setTimeout(() => {
			this.#timers.delete(timer);
			this.#finish(task.taskId, failure, lostCallback);
		}, generationSeconds * 1000);
		this.#timers.add(timer);
	}

	stop(): void {
		for (const timer of this.#timers) clearTimeout(timer);
		this.#timers.clear();
	}

	#finish(taskId: string, failure: boolean, lostCallback: boolean): void {
		const mj = this.#mj;
		if (!mj) return;
		if (failure) mj.fail(taskId, FAILURE_MESSAGE);
		else mj.succeed(taskId);
		if (lostCallback) return;
		mj.sendCallback(taskId).catch((error: unknown) => this.#onError(error));
	}

	#apply(): void {
		const mj = this.#mj;
		if (!mj) return;
		const { noCredits, slowApi, outage } = this.#switches;
		mj.credits = noCredits ? 0 : 1000;
		mj.latencyMs = slowApi ? SLOW_API_MS : 0;
		mj.intercept = outage === 'off' ? undefined : () => (outage === 'maintenance' ? MAINTENANCE : { kind: 'destroy' });
	}
}
