import type { REST } from 'discord.js';
import type { Language } from '../i18n/index.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobService } from '../jobs/service.js';
import type { Logger } from '../logger.js';
import { ACTION_EMOJI, type ActionEmojiSet } from '../settings/actionEmoji.js';
import type { SettingsService } from '../settings/service.js';
import type { Integrations } from './integrations.js';
import type { RefusalNotices } from './notices.js';
import type { ActionClaims, ActionRecords } from './records.js';

/** The server's rules and limits, applied to every job an action starts, as to every command's. */
export type JobGate = Pick<SettingsService, 'authorizeJob'>;

/** What the result actions use; built once in the composition root. */
export interface ActionDeps {
	jobs: Pick<JobService, 'start'>;
	repository: JobRepository;
	records: ActionRecords;
	claims: ActionClaims;
	rest: REST;
	logger: Logger;
	/** Rules and limits for the jobs actions start; without one, none apply. */
	gate?: JobGate;
	/** The server's Integrations settings for the command an action stands for; without them, none apply. */
	integrations?: Pick<Integrations, 'refusal'>;
	/** Tells a member why their reaction did nothing; without it, refusals are only logged. */
	notices?: Pick<RefusalNotices, 'tell'>;
	/** The emoji a server gives the actions; without it, {@link ACTION_EMOJI} everywhere. */
	emojiFor?: (guildId: string) => Promise<ActionEmojiSet>;
	/** The words a server blocks in prompts (a form's edited prompt); without it, none. */
	blockedWordsFor?: (guildId: string) => Promise<readonly string[]>;
	/** The server's `language` setting, for what is said outside an interaction; without it, none. */
	languageFor?: (guildId: string) => Promise<Language | undefined>;
	/** Hosts files are fetched from without the public-address check; none by default. */
	downloadAllowHosts?: readonly string[];
	now: () => number;
}

export async function emojiSetFor(deps: ActionDeps, guildId: string | null): Promise<ActionEmojiSet> {
	return guildId && deps.emojiFor ? deps.emojiFor(guildId) : ACTION_EMOJI;
}
