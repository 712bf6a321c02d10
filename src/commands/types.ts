import type { ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { JobService } from '../jobs/service.js';
import type { Logger } from '../logger.js';

/** What handlers may use; built once in the composition root. */
export interface CommandContext {
	jobs: JobService;
	logger: Logger;
}

export interface Command {
	data: { readonly name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
	execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void>;
}
