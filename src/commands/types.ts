import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { MjClient } from '../api/client.js';
import type { PendingPrompts } from '../jobs/pendingPrompts.js';
import type { JobService } from '../jobs/service.js';
import type { Logger } from '../logger.js';
import type { ServerKeys } from '../settings/serverKeys.js';
import type { SettingsService } from '../settings/service.js';

/** What handlers may use; built once in the composition root. */
export interface CommandContext {
	jobs: JobService;
	logger: Logger;
	/** Server and member settings, the rules and limits every job passes, and who started which job. */
	settings: SettingsService;
	/** The provider's account (remaining credits, for `/server-settings show`). */
	api: Pick<MjClient, 'getCredits'>;
	/** Servers' own provider keys; absent in contexts that do not handle them. */
	keys?: ServerKeys;
	/** Requests waiting for the member to confirm the parameters found in their prompt. */
	pendingPrompts: PendingPrompts;
}

export interface Command {
	data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
	execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void>;
}
