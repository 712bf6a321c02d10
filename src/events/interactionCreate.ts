import { Events, MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { UserError } from '../jobs/errors.js';
import type { Logger } from '../logger.js';
import type { Event } from './types.js';

const GENERIC_FAILURE =
	'Something went wrong on our side. The bot’s operator has the details in the logs; please try again.';

export default {
	name: Events.InteractionCreate,
	async execute(context, interaction: Interaction) {
		if (interaction.isButton() || interaction.isModalSubmit()) {
			// Buttons and modals on results: their custom ids name the job, resolved through the store.
			const log = context.logger.child({
				interactionId: interaction.id,
				customId: interaction.customId,
				guildId: interaction.guildId,
				userId: interaction.user.id,
			});
			await funnel(interaction, log, async () => context.actions.handleInteraction(interaction, log));
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
			await answerError(
				interaction,
				'This command is no longer available. The bot will refresh its commands shortly.',
				log,
			);
			return;
		}
		await funnel(interaction, log, async () => command.execute(interaction, { ...context, logger: log }));
	},
} satisfies Event<Events.InteractionCreate>;

/** Runs a handler; a `UserError` is shown to the member as-is, anything else is logged and apologised for. */
async function funnel(interaction: RepliableInteraction, log: Logger, handle: () => Promise<void>): Promise<void> {
	try {
		await handle();
	} catch (error) {
		if (error instanceof UserError) {
			log.info({ reason: error.message }, 'Interaction refused');
			await answerError(interaction, error.message, log);
		} else {
			log.error({ err: error }, 'Interaction failed');
			await answerError(interaction, GENERIC_FAILURE, log);
		}
	}
}

/** The one error funnel: ephemeral when possible, never throws. */
async function answerError(interaction: RepliableInteraction, message: string, log: Logger): Promise<void> {
	const content = `⚠️ ${message}`.slice(0, 2000);
	try {
		if (interaction.deferred && !interaction.replied) {
			await interaction.editReply({ content, allowedMentions: { parse: [] } });
		} else if (interaction.replied) {
			await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
		} else {
			await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
		}
	} catch (error) {
		log.warn({ err: error }, 'Could not tell the member about the error');
	}
}
