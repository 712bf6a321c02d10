/**
 * `/help`: what the bot does, its commands (read from their own definitions, so a new command or option is listed
 * without touching this file), and what the buttons and reactions on a result do, with this server's emoji when
 * its admins chose their own. Private to the member.
 */
import { SlashCommandBuilder } from '@discordjs/builders';
import {
	ApplicationCommandOptionType,
	InteractionContextType,
	MessageFlags,
	type APIEmbed,
	type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { memberLanguage } from '../discord/language.js';
import { NO_PINGS } from '../discord/respond.js';
import { lookup, t, translatorFor, type Language, type Translate } from '../i18n/index.js';
import { ACTION_EMOJI, type ActionEmojiSet } from '../settings/actionEmoji.js';
import type { Command } from './types.js';

const data = new SlashCommandBuilder()
	.setName('help')
	.setDescription('What this bot does, its commands, and the buttons and reactions on results')
	.setContexts(InteractionContextType.Guild);

/** Said instead of the server's emoji when its settings could not be read. */
export const DEFAULT_EMOJI_NOTE = t('en', 'help.defaultEmojiNote');

/** `/help`, listing the commands `commands()` returns when it runs (among them itself). */
export function helpCommand(commands: () => readonly Command[]): Command {
	return {
		data,
		async execute(interaction, context) {
			await interaction.deferReply({ flags: MessageFlags.Ephemeral });
			let emoji: ActionEmojiSet = ACTION_EMOJI;
			const language = memberLanguage(interaction);
			let note: string | undefined;
			if (interaction.guildId !== null) {
				try {
					emoji = await context.settings.emojiFor(interaction.guildId);
				} catch (error) {
					// Help is most needed when something is wrong: answer with the defaults rather than not at all.
					context.logger.warn({ err: error }, 'Could not read the server’s emoji for /help');
					note = t(language, 'help.defaultEmojiNote');
				}
			}
			const definitions = commands().map((command) => command.data.toJSON());
			const embed = helpEmbed(definitions, emoji, note, language);
			await interaction.editReply({ embeds: [embed], allowedMentions: NO_PINGS });
		},
	};
}

/** The help as one embed: the introduction, the commands, and the legend of a result's actions. */
export function helpEmbed(
	definitions: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
	emoji: ActionEmojiSet,
	note?: string,
	language: Language = 'en',
): APIEmbed {
	const translate = translatorFor(language);
	const sections = [
		translate('help.intro'),
		[
			translate('help.commandsHeading'),
			...definitions.map((definition) => commandLine(definition, language)),
			translate('help.optionsNote'),
		].join('\n'),
		[translate('help.resultHeading'), ...legend(emoji, translate)].join('\n'),
		...(note === undefined ? [] : [`-# ${note}`]),
	];
	return { title: translate('help.title'), description: sections.join('\n\n') };
}

/** `/name` — description, and its sub-commands when it has some. */
function commandLine(definition: RESTPostAPIChatInputApplicationCommandsJSONBody, language: Language): string {
	const subcommands = (definition.options ?? [])
		.filter((option) => option.type === ApplicationCommandOptionType.Subcommand)
		.map((option) => `\`${option.name}\``);
	const description = lookup(language, `commands.${definition.name}.description`) ?? definition.description;
	const line = `\`/${definition.name}\` — ${description}`;
	return subcommands.length > 0 ? `${line}: ${subcommands.join(' · ')}` : line;
}

/** What each button and reaction does, with the emoji members see on this server's results. */
function legend(emoji: ActionEmojiSet, translate: Translate): string[] {
	const lines = [
		translate('help.legendPick', { emoji: emoji.pick.join(' ') }),
		translate('followUpHelp.vary', { emoji: emoji.vary }),
		translate('followUpHelp.upscale', { emoji: emoji.upscale }),
		translate('followUpHelp.extend', { emoji: emoji.extend }),
		translate('help.legendRemix', { emoji: emoji.remix }),
		translate('help.legendAnimate', { emoji: emoji.animate }),
		translate('help.legendReroll', { emoji: emoji.reroll }),
		translate('help.legendDelete', { emoji: emoji.delete }),
		translate('help.legendDm', { emoji: emoji.dm }),
		translate('help.legendNote'),
	];
	const own = (Object.keys(ACTION_EMOJI) as Array<keyof ActionEmojiSet>).some(
		(action) => String(emoji[action]) !== String(ACTION_EMOJI[action]),
	);
	if (own) lines.push(translate('help.ownEmoji'));
	return lines;
}
