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
import { NO_PINGS } from '../discord/respond.js';
import { DEFAULT_LANGUAGE, t } from '../i18n/index.js';
import { ACTION_EMOJI, type ActionEmojiSet } from '../settings/actionEmoji.js';
import type { Command } from './types.js';

const data = new SlashCommandBuilder()
	.setName('help')
	.setDescription('What this bot does, its commands, and the buttons and reactions on results')
	.setContexts(InteractionContextType.Guild);

const INTRO =
	'Creates images and videos with Midjourney, here in the channel. Start a job with a command: the bot answers at ' +
	'once, and that reply turns into the result when Midjourney is done (usually a minute or a few), with the prompt ' +
	'and the parameters that were sent. Jobs are paid by this server’s Midjourney account, under the rules and limits ' +
	'its admins set.';

const OPTIONS_NOTE =
	'Discord lists each command’s options as you type. An option you leave out comes from your `/settings`, then the ' +
	'server’s defaults.';

/** Said instead of the server's emoji when its settings could not be read. */
export const DEFAULT_EMOJI_NOTE =
	'This server’s emoji settings could not be read just now: these are the default emoji.';

/** `/help`, listing the commands `commands()` returns when it runs (among them itself). */
export function helpCommand(commands: () => readonly Command[]): Command {
	return {
		data,
		async execute(interaction, context) {
			await interaction.deferReply({ flags: MessageFlags.Ephemeral });
			let emoji: ActionEmojiSet = ACTION_EMOJI;
			let note: string | undefined;
			if (interaction.guildId !== null) {
				try {
					emoji = await context.settings.emojiFor(interaction.guildId);
				} catch (error) {
					// Help is most needed when something is wrong: answer with the defaults rather than not at all.
					context.logger.warn({ err: error }, 'Could not read the server’s emoji for /help');
					note = DEFAULT_EMOJI_NOTE;
				}
			}
			const definitions = commands().map((command) => command.data.toJSON());
			await interaction.editReply({ embeds: [helpEmbed(definitions, emoji, note)], allowedMentions: NO_PINGS });
		},
	};
}

/** The help as one embed: the introduction, the commands, and the legend of a result's actions. */
export function helpEmbed(
	definitions: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
	emoji: ActionEmojiSet,
	note?: string,
): APIEmbed {
	const sections = [
		INTRO,
		['**Commands**', ...definitions.map(commandLine), OPTIONS_NOTE].join('\n'),
		['**On a result**', ...legend(emoji)].join('\n'),
		...(note === undefined ? [] : [`-# ${note}`]),
	];
	return { title: 'Midjourney for Discord', description: sections.join('\n\n') };
}

/** `/name` — description, and its sub-commands when it has some. */
function commandLine(definition: RESTPostAPIChatInputApplicationCommandsJSONBody): string {
	const subcommands = (definition.options ?? [])
		.filter((option) => option.type === ApplicationCommandOptionType.Subcommand)
		.map((option) => `\`${option.name}\``);
	const line = `\`/${definition.name}\` — ${definition.description}`;
	return subcommands.length > 0 ? `${line}: ${subcommands.join(' · ')}` : line;
}

/** What each button and reaction does, with the emoji members see on this server's results. */
function legend(emoji: ActionEmojiSet): string[] {
	const lines = [
		`${emoji.pick.join(' ')} on four images: posts that image on its own (no new job)`,
		t(DEFAULT_LANGUAGE, 'followUpHelp.vary', { emoji: emoji.vary }),
		t(DEFAULT_LANGUAGE, 'followUpHelp.upscale', { emoji: emoji.upscale }),
		t(DEFAULT_LANGUAGE, 'followUpHelp.extend', { emoji: emoji.extend }),
		`${emoji.remix} Remix, on one image: new images from it with its prompt (the button lets you edit the prompt first)`,
		`${emoji.animate} Animate, on one image: a short video from it`,
		`${emoji.reroll} on any result: the same request again`,
		`${emoji.delete} on any result: deletes it (the member who asked for it, or a member who can manage messages)`,
		`${emoji.dm} as a reaction: sends you the result’s files by DM`,
		'Buttons and reactions do the same. Remix, Animate and the same request again start a new job, which is yours and ' +
			'follows the same rules as its command.',
	];
	const own = (Object.keys(ACTION_EMOJI) as Array<keyof ActionEmojiSet>).some(
		(action) => String(emoji[action]) !== String(ACTION_EMOJI[action]),
	);
	if (own) lines.push('-# This server chose some of its own emoji (`/server-settings emoji`).');
	return lines;
}
