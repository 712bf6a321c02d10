/**
 * Acting on results: pick, remix, animate, reroll, delete and DM, by button or by reaction.
 * `createResultActions` is built once in the composition root and reached from the events through `EventContext`.
 */
import type {
	ButtonInteraction,
	MessageReaction,
	ModalSubmitInteraction,
	PartialMessageReaction,
	PartialUser,
	REST,
	User,
} from 'discord.js';
import { JobRepository } from '../jobs/repository.js';
import type { Claims } from '../claims.js';
import type { JobPublisher, JobService, PublishedMessage } from '../jobs/service.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store.js';
import type { ActionDeps, JobGate } from './deps.js';
import type { ActionEmojiSet } from './emoji.js';
import { handleActionInteraction } from './interactions.js';
import { handleActionReaction } from './reactions.js';
import { ActionClaims, ActionRecords } from './records.js';
import { isSucceeded } from './result.js';

export interface ResultActions {
	/** Throws `UserError` for refusals (answered by the interaction funnel). */
	handleInteraction(interaction: ButtonInteraction | ModalSubmitInteraction, log: Logger): Promise<void>;
	/** Never answers the member; refusals and failures are logged. */
	handleReaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void>;
}

export interface ResultActionsOptions {
	store: Store;
	/** The store's atomic claims: the repeat-reaction guard and picks hold across processes. */
	claims: Claims;
	jobs: Pick<JobService, 'start'>;
	rest: REST;
	logger: Logger;
	/** The server's rules and limits (`SettingsService`), for jobs started from results. */
	gate?: JobGate;
	/** The emoji each server gives the actions (`SettingsService.emojiFor`). */
	emojiFor?: (guildId: string) => Promise<ActionEmojiSet>;
	now?: () => number;
}

export function createResultActions(options: ResultActionsOptions): ResultActions {
	const deps: ActionDeps = {
		jobs: options.jobs,
		repository: new JobRepository(options.store),
		records: new ActionRecords(options.store),
		claims: new ActionClaims(options.claims),
		rest: options.rest,
		logger: options.logger,
		now: options.now ?? Date.now,
		...(options.gate ? { gate: options.gate } : {}),
		...(options.emojiFor ? { emojiFor: options.emojiFor } : {}),
	};
	return {
		handleInteraction: async (interaction, log) => handleActionInteraction(deps, interaction, log),
		handleReaction: async (reaction, user) => handleActionReaction(deps, reaction, user),
	};
}

/**
 * Wraps a publisher so each delivered result message is recorded as showing its job: a reaction on it (even
 * after a restart, as a partial) resolves to the job through this record.
 */
export class ResultIndexingPublisher implements JobPublisher {
	private readonly records: ActionRecords;

	public constructor(
		private readonly inner: JobPublisher,
		store: Store,
		private readonly logger: Logger,
	) {
		this.records = new ActionRecords(store);
	}

	public async showWorking(...args: Parameters<JobPublisher['showWorking']>): Promise<string> {
		return this.inner.showWorking(...args);
	}

	public async publish(...args: Parameters<JobPublisher['publish']>): Promise<PublishedMessage> {
		const published = await this.inner.publish(...args);
		const [job] = args;
		// A notice that the result could not be posted shows no result to act on.
		if (isSucceeded(job) && published.notice === undefined) {
			try {
				await this.records.recordResultMessage(published.messageId, job.id);
			} catch (error) {
				// The result is delivered and its buttons work; only reactions on it will be ignored.
				this.logger.warn({ err: error, jobId: job.id, messageId: published.messageId }, 'Could not index a result');
			}
		}
		return published;
	}
}
