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
import type { Language } from '../i18n/index.js';
import type { JobPublisher, PublishedMessage } from '../jobs/contracts.js';
import type { JobRepository } from '../jobs/repository.js';
import { isSucceeded } from '../jobs/resultShape.js';
import type { JobService } from '../jobs/service.js';
import type { Logger } from '../logger.js';
import type { ActionEmojiSet } from '../settings/actionEmoji.js';
import type { Claims } from '../store/claims.js';
import type { Store } from '../store/store.js';
import type { ActionDeps, JobGate } from './deps.js';
import { Integrations } from './integrations.js';
import { handleActionInteraction } from './interactions.js';
import { RefusalNotices } from './notices.js';
import { handleActionReaction } from './reactions.js';
import { ActionClaims, ActionRecords } from './records.js';

export interface ResultActions {
	/** Throws `UserError` for refusals (answered by the interaction funnel). */
	handleInteraction(interaction: ButtonInteraction | ModalSubmitInteraction, log: Logger): Promise<void>;
	/** Refusals are told to the member by DM (or a short-lived reply in the channel); failures are logged. */
	handleReaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void>;
	/** Once connected: deletes the refusal notices an earlier run left in channels. Never throws. */
	start(): Promise<void>;
	/** Stops the notices' deletion timers (the next start deletes what is left). */
	stop(): void;
}

export interface ResultActionsOptions {
	store: Store;
	/** The jobs in the store: the process's one repository, so writes to a job stay serialised within it. */
	repository: JobRepository;
	/** The store's atomic claims: the repeat-reaction guard and picks hold across processes. */
	claims: Claims;
	jobs: Pick<JobService, 'start'>;
	rest: REST;
	logger: Logger;
	/** The server's rules and limits (`SettingsService`), for jobs started from results. */
	gate?: JobGate;
	/** The emoji each server gives the actions (`SettingsService.emojiFor`). */
	emojiFor?: (guildId: string) => Promise<ActionEmojiSet>;
	/** The words each server blocks in prompts. */
	blockedWordsFor?: (guildId: string) => Promise<readonly string[]>;
	/** Each server's `language` setting. */
	languageFor?: (guildId: string) => Promise<Language | undefined>;
	/** Hosts files are fetched from without the public-address check (`DOWNLOAD_ALLOW_HOSTS`). */
	downloadAllowHosts?: readonly string[];
	/** The server the slash commands are registered to (`DEV_GUILD_ID`); undefined: globally. */
	commandGuildId?: string | undefined;
	/** How long a refusal told in the channel (the member's DMs closed) stays before it deletes itself. */
	noticeDeleteAfterMs?: number;
	now?: () => number;
}

/** The default of `REFUSAL_NOTICE_DELETE_MS`. */
export const NOTICE_DELETE_AFTER_MS = 30_000;

export function createResultActions(options: ResultActionsOptions): ResultActions {
	const now = options.now ?? Date.now;
	const claims = new ActionClaims(options.claims);
	const notices = new RefusalNotices({
		rest: options.rest,
		store: options.store,
		claims,
		logger: options.logger,
		deleteAfterMs: options.noticeDeleteAfterMs ?? NOTICE_DELETE_AFTER_MS,
		now,
	});
	const deps: ActionDeps = {
		jobs: options.jobs,
		repository: options.repository,
		records: new ActionRecords(options.store),
		claims,
		rest: options.rest,
		logger: options.logger,
		now,
		integrations: new Integrations({ rest: options.rest, commandGuildId: options.commandGuildId, now }),
		notices,
		...(options.gate ? { gate: options.gate } : {}),
		...(options.emojiFor ? { emojiFor: options.emojiFor } : {}),
		...(options.blockedWordsFor ? { blockedWordsFor: options.blockedWordsFor } : {}),
		...(options.languageFor ? { languageFor: options.languageFor } : {}),
		...(options.downloadAllowHosts ? { downloadAllowHosts: options.downloadAllowHosts } : {}),
	};
	return {
		handleInteraction: async (interaction, log) => handleActionInteraction(deps, interaction, log),
		handleReaction: async (reaction, user) => handleActionReaction(deps, reaction, user),
		start: async () => notices.resume(),
		stop: () => notices.stop(),
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

	/** A notice shows no result to act on: nothing to index. */
	public async publishGaveUp(
		...args: Parameters<NonNullable<JobPublisher['publishGaveUp']>>
	): Promise<PublishedMessage> {
		if (!this.inner.publishGaveUp) throw new Error('The publisher cannot tell the member');
		return this.inner.publishGaveUp(...args);
	}
}
