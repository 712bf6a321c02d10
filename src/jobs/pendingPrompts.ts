/**
 * Requests waiting for the member's confirmation (a prompt with Midjourney parameters in it): kept in the store, not
 * in memory, so a Submit clicked after a restart still finds its request, and one clicked too late says so. Taken
 * once: a second click finds nothing, so a request is never submitted twice.
 */
import type Keyv from 'keyv';
import { KeyedLock } from '../store/keyedLock.js';
import type { Store } from '../store/store.js';
import { newJobId } from './ids.js';
import type { GenerationOptionName } from './options.js';
import type { CommandKind } from './request.js';

/** How long a confirmation can be submitted. */
export const PENDING_PROMPT_TTL_MS = 30 * 60_000;

export interface PendingAttachment {
	url: string;
	name: string;
	contentType: string | null;
	size: number;
}

export interface PendingPrompt {
	id: string;
	userId: string;
	guildId: string;
	kind: CommandKind;
	/** The options the command takes. */
	optionNames: readonly GenerationOptionName[];
	/** The command's options as sent, the prompt as typed among them (the Edit form starts from it). */
	values: ReadonlyArray<readonly [string, unknown]>;
	attachment?: PendingAttachment;
	createdAt: number;
}

export class PendingPrompts {
	private readonly entries: Keyv<PendingPrompt>;
	private readonly lock = new KeyedLock();

	public constructor(
		store: Store,
		private readonly now: () => number = Date.now,
	) {
		this.entries = store.collection<PendingPrompt>('pending-prompts');
	}

	/** Keeps a request; answers its id. */
	public async put(entry: Omit<PendingPrompt, 'id' | 'createdAt'>): Promise<string> {
		const id = newJobId();
		await this.entries.set(id, { ...entry, id, createdAt: this.now() }, PENDING_PROMPT_TTL_MS);
		return id;
	}

	/** The request, while it can still be submitted. */
	public async get(id: string): Promise<PendingPrompt | undefined> {
		const entry = await this.entries.get(id);
		return entry && this.now() - entry.createdAt < PENDING_PROMPT_TTL_MS ? entry : undefined;
	}

	/** The request, removed: only one caller gets it (across processes, only one deletes it). */
	public async take(id: string): Promise<PendingPrompt | undefined> {
		return this.lock.run(id, async () => {
			const entry = await this.get(id);
			if (entry === undefined) return undefined;
			return (await this.entries.delete(id)) ? entry : undefined;
		});
	}
}
