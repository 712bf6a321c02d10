/**
 * `/settings`: a member's own defaults for the generation options in this server. An option typed in a command
 * still wins; what is left out comes from here, then from the server's defaults, then from the API.
 */
import { SlashCommandBuilder } from '@discordjs/builders';
import { InteractionContextType, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { memberTranslator } from '../discord/language.js';
import { describeRefusal } from '../discord/refusals.js';
import { NO_PINGS, fitContent } from '../discord/respond.js';
import { describeEffective, formatValue } from '../discord/settingsView.js';
import { checkSpeed, checkTaskType } from '../settings/rules.js';
import type { OptionDefaults } from '../settings/types.js';
import { GENERATION_OPTION_NAMES, checkDefaults } from '../settings/validate.js';
import { UserError, type Wording } from '../userError.js';
import { addGenerationOption } from './builders.js';
import { assertKnownOptions, assertNothingWrong, readSubcommand } from './subcommand.js';
import type { Command, CommandContext } from './types.js';

const ALL = 'all';

const data = new SlashCommandBuilder()
	.setName('settings')
	.setDescription('Your own defaults for the generation options in this server')
	.setContexts(InteractionContextType.Guild)
	.addSubcommand((sub) =>
		sub
			.setName('show')
			.setDescription('Show the value each option takes when you leave it out, and where it comes from'),
	)
	.addSubcommand((sub) => {
		sub.setName('set').setDescription('Set your defaults (an option you type in a command still wins)');
		for (const name of GENERATION_OPTION_NAMES) addGenerationOption(sub, name);
		return sub;
	})
	.addSubcommand((sub) =>
		sub
			.setName('reset')
			.setDescription('Forget one of your defaults, or all of them')
			.addStringOption((option) =>
				option
					.setName('option')
					.setDescription('The option to forget (default: all)')
					.addChoices(...[ALL, ...GENERATION_OPTION_NAMES].map((name) => ({ name, value: name }))),
			),
	);

export default {
	data,
	async execute(interaction, context) {
		if (!interaction.inGuild()) throw UserError.localized('wrong-place', 'settings.guildOnly');
		const input = readSubcommand(interaction);
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		switch (input.name) {
			case 'show':
				await show(interaction, context);
				return;
			case 'set': {
				assertKnownOptions(input, GENERATION_OPTION_NAMES);
				await set(interaction, context, input.values);
				return;
			}
			case 'reset': {
				assertKnownOptions(input, ['option']);
				await reset(interaction, context, input.values.get('option'));
				return;
			}
			default:
				throw UserError.localized('invalid-input', 'errors.unknownSubcommand', {
					command: 'settings',
					subcommand: input.name,
				});
		}
	},
} satisfies Command;

async function show(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
): Promise<void> {
	const effective = await context.settings.resolveOptions(
		interaction.guildId,
		interaction.user.id,
		{},
		GENERATION_OPTION_NAMES,
	);
	const t = memberTranslator(interaction);
	const content = [t('settings.showHeading'), ...describeEffective(t, effective), t('settings.showFooter')].join('\n');
	await interaction.editReply({ content: fitContent(content), allowedMentions: NO_PINGS });
}

async function set(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
	values: ReadonlyMap<string, unknown>,
): Promise<void> {
	if (values.size === 0) throw UserError.localized('invalid-input', 'settings.setEmpty');
	const problems: Wording[] = [];
	const changes = checkDefaults(values, problems);
	assertNothingWrong(problems);
	// A default the server's rules refuse would only make every job fail: say so now.
	const server = await context.settings.settings.server(interaction.guildId);
	const t = memberTranslator(interaction);
	const speed = checkSpeed(server, changes.speed);
	if (!speed.ok) problems.push(describeRefusal(speed.refusal, t));
	if (changes.hd) {
		const hd = checkTaskType(server, 'mj_video_hd');
		if (!hd.ok) problems.push(describeRefusal(hd.refusal, t));
	}
	assertNothingWrong(problems);
	await context.settings.settings.updateMember(interaction.guildId, interaction.user.id, (current) => ({
		...current,
		...changes,
	}));
	await interaction.editReply({
		content: memberTranslator(interaction)('settings.saved', { changes: describeChanges(changes) }),
		allowedMentions: NO_PINGS,
	});
}

async function reset(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
	option: unknown,
): Promise<void> {
	const name = option ?? ALL;
	if (name !== ALL && !(GENERATION_OPTION_NAMES as readonly unknown[]).includes(name)) {
		throw UserError.localized('invalid-input', 'settings.notAnOption', { name: String(name) });
	}
	await context.settings.settings.updateMember(interaction.guildId, interaction.user.id, (current) => {
		if (name === ALL) return {};
		const next: Record<string, unknown> = { ...current };
		delete next[String(name)];
		return next as OptionDefaults;
	});
	await interaction.editReply({
		content:
			name === ALL
				? memberTranslator(interaction)('settings.forgotAll')
				: memberTranslator(interaction)('settings.forgotOne', { name: String(name) }),
		allowedMentions: NO_PINGS,
	});
}

function describeChanges(changes: OptionDefaults): string {
	return Object.entries(changes)
		.map(([name, value]) => `${name} ${formatValue(value)}`)
		.join(', ');
}
