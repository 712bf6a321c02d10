import { Events, type Interaction, type RepliableInteraction } from 'discord.js';
import { handlePromptConfirmation } from '../commands/promptConfirmation.js';
import { SERVER_KEY_MODAL_ID, handleServerKeyModal } from '../commands/serverSettingsKey.js';
import { memberLanguage, memberTranslator, needsServerLanguage, noteServerLanguage } from '../discord/language.js';
import { isPromptConfirmId } from '../discord/promptConfirmation.js';
import { tellPrivately } from '../discord/respond.js';
import { t } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { UserError } from '../userError.js';
import type { Event, EventContext } from './types.js';

export default {
	name: Events.InteractionCreate,
	async execute(context, interaction: Interaction) {
		if (interaction.isRepliable()) await noteLanguageFor(context, interaction);
		if (interaction.isModalSubmit() && interaction.customId === SERVER_KEY_MODAL_ID) {
			const log = context.logger.child({ interactionId: interaction.id, guildId: interaction.guildId });
			await funnel(interaction, log, async () => handleServerKeyModal(interaction, { ...context, logger: log }));
			return;
		}
		if (interaction.isButton() || interaction.isModalSubmit()) {
			// Buttons and modals on results: their custom ids name the job, resolved through the store.
			const log = context.logger.child({
				interactionId: interaction.id,
				customId: interaction.customId,
				guildId: interaction.guildId,
				userId: interaction.user.id,
			});
			// A prompt's confirmation belongs to the command it confirms; everything else to the result it is on.
			const handle = isPromptConfirmId(interaction.customId)
				? async () => handlePromptConfirmation(interaction, { ...context, logger: log })
				: async () => context.actions.handleInteraction(interaction, log);
			await funnel(interaction, log, handle);
			return;
		}
		if (!interaction.isChatInputCommand()) return;
		const log = context.logger.child({
			interactionId: interaction.id,
			command: interaction.commandName,
			guildId: interaction.guildId,
			userId: interaction.user.id,
		});
		const command = context.commands.get(interaction.commandName);
		if (!command) {
			log.warn('Unknown command (stale registration?)');
			await answerError(interaction, memberTranslator(interaction)('errors.unknownCommand'), log);
			return;
		}
		await funnel(interaction, log, async () => command.execute(interaction, { ...context, logger: log }));
	},
} satisfies Event<Events.InteractionCreate>;

/**
 * A member whose Discord language the bot does not speak reads the server's: its `language` setting, looked up once
 * here (only for them), else its preferred locale.
 */
async function noteLanguageFor(context: EventContext, interaction: RepliableInteraction): Promise<void> {
	if (interaction.guildId === null || !needsServerLanguage(interaction)) return;
	try {
		noteServerLanguage(interaction, (await context.settings.settings.server(interaction.guildId)).language);
	} catch (error) {
		context.logger.warn({ err: error, guildId: interaction.guildId }, 'Could not read the server’s language');
	}
}

/** Runs a handler; a `UserError` is shown to the member as-is, anything else is logged and apologised for. */
async function funnel(interaction: RepliableInteraction, log: Logger, handle: () => Promise<void>): Promise<void> {
	try {
		await handle();
	} catch (error) {
		// Refusals speak the member's language; the log keeps the English words.
		const language = memberLanguage(interaction);
		if (error instanceof UserError) {
			log.info({ code: error.code, reason: error.message }, 'Interaction refused');
			await answerError(interaction, error.wordedIn(language), log);
		} else if (error instanceof StoreUnavailableError) {
			log.warn({ err: error }, 'Interaction refused: the store is unavailable');
			await answerError(interaction, t(language, 'errors.storeUnavailable'), log);
		} else {
			log.error({ err: error }, 'Interaction failed');
			await answerError(interaction, t(language, 'errors.generic'), log);
		}
	}
}

/** The one error funnel: only the member sees it (see `tellPrivately`); never throws. */
async function answerError(interaction: RepliableInteraction, message: string, log: Logger): Promise<void> {
	try {
		await tellPrivately(interaction, `⚠️ ${message}`);
	} catch (error) {
		log.warn({ err: error }, 'Could not tell the member about the error');
	}
}
