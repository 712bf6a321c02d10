/**
 * The shape of `/server-settings`: its sub-commands and options, generated from the option table and the limits'
 * ranges, so what Discord's client checks and what the handler checks cannot drift apart.
 */
import { SlashCommandBuilder, type SlashCommandSubcommandBuilder } from '@discordjs/builders';
import { ChannelType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { LANGUAGE_NAMES, LANGUAGES } from '../i18n/index.js';
import { EMOJI_ACTIONS, type ServerSettings } from '../settings/types.js';
import { GENERATION_OPTION_NAMES, LIMIT_RANGES, WATERMARK_MAX_LENGTH, type LimitName } from '../settings/validate.js';
import { addGenerationOption } from './builders.js';

export const LIMIT_FIELDS: Record<LimitName, keyof ServerSettings['limits']> = {
	member_running_limit: 'memberRunning',
	member_daily_limit: 'memberDaily',
	server_daily_limit: 'serverDaily',
	daily_budget: 'serverDailyBudget',
	monthly_budget: 'serverMonthlyBudget',
	member_daily_budget: 'memberDailyBudget',
};
export const LIMIT_NAMES = Object.keys(LIMIT_RANGES) as LimitName[];
const LIMIT_DESCRIPTIONS: Record<LimitName, string> = {
	member_running_limit: 'Jobs one member may have running at once',
	member_daily_limit: 'Jobs one member may start per day (UTC; failed jobs are given back)',
	server_daily_limit: 'Jobs the whole server may start per day (UTC; failed jobs are given back)',
	daily_budget: 'Credits the whole server may spend per day (UTC; failed jobs are given back)',
	monthly_budget: 'Credits the whole server may spend per calendar month (UTC)',
	member_daily_budget: 'Credits one member may spend per day (UTC)',
};
/** Channels where slash commands can be used, or whose threads can. */
const CHANNEL_TYPES = [
	ChannelType.GuildText,
	ChannelType.GuildAnnouncement,
	ChannelType.GuildForum,
	ChannelType.GuildVoice,
	ChannelType.GuildStageVoice,
] as const;
const RULE_OPTIONS = [
	'allowed_commands',
	'allowed_speeds',
	'add_channel',
	'remove_channel',
	'required_role',
	'watermark',
	'show_credits',
	'language',
] as const;
/** `language: auto` follows the server's preferred locale. */
export const AUTO_LANGUAGE = 'auto';
export const BLOCKED_WORDS_MAX = 100;
export const BLOCKED_WORD_MAX_LENGTH = 60;
export const BLOCKED_WORDS_ACTIONS = ['add', 'remove', 'list'] as const;
export const BLOCKED_WORDS_OPTIONS: readonly string[] = ['action', 'words'];
export const SET_OPTIONS: readonly string[] = [...GENERATION_OPTION_NAMES, ...RULE_OPTIONS, ...LIMIT_NAMES];
export const EMOJI_OPTIONS: readonly string[] = EMOJI_ACTIONS;
/** What `reset` can forget: each setting, every emoji, or everything. */
export const RESET_CHOICES = [
	'all',
	...GENERATION_OPTION_NAMES,
	'allowed_commands',
	'allowed_speeds',
	'channels',
	'required_role',
	'watermark',
	'member_running_limit',
	'member_daily_limit',
	'server_daily_limit',
	// The three budgets are reset together: Discord allows 25 choices.
	'budgets',
	'emoji',
	'language',
	'blocked_words',
] as const;
export const DEFAULT_EMOJI = 'default';

/** The rules of `/server-settings set`: where, who and what members may generate, and how it looks. */
function addRuleOptions(sub: SlashCommandSubcommandBuilder): void {
	sub
		.addStringOption((option) =>
			option
				.setName('allowed_commands')
				.setDescription(
					'Comma list: imagine, remix, style, omni, animate, animate_hd, vary, upscale, extend; or all / none',
				)
				.setMaxLength(200),
		)
		.addStringOption((option) =>
			option.setName('allowed_speeds').setDescription('Comma list: relaxed, fast, turbo; or all').setMaxLength(100),
		)
		.addChannelOption((option) =>
			option
				.setName('add_channel')
				.setDescription('Let the bot work in this channel (none listed = everywhere)')
				.addChannelTypes(...CHANNEL_TYPES),
		)
		.addChannelOption((option) =>
			option
				.setName('remove_channel')
				.setDescription('Stop the bot working in this channel')
				.addChannelTypes(...CHANNEL_TYPES),
		)
		.addRoleOption((option) =>
			option.setName('required_role').setDescription('Only members with this role may generate'),
		)
		.addStringOption((option) =>
			option.setName('watermark').setDescription('Watermark added to every result').setMaxLength(WATERMARK_MAX_LENGTH),
		)
		.addBooleanOption((option) =>
			option.setName('show_credits').setDescription('Let members see the remaining Midjourney credits in /info'),
		)
		.addStringOption((option) =>
			option
				.setName('language')
				.setDescription('The language of the bot’s messages in channels (auto: the server’s own)')
				.addChoices(
					{ name: 'Auto (the server’s language)', value: AUTO_LANGUAGE },
					...LANGUAGES.map((language) => ({ name: LANGUAGE_NAMES[language], value: language })),
				),
		);
}

/** `/server-settings set`: the members' defaults, the rules and the limits, each optional. */
function setSubcommand(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
	sub.setName('set').setDescription('Change server defaults, rules and limits (only what you give changes)');
	for (const name of GENERATION_OPTION_NAMES) addGenerationOption(sub, name);
	addRuleOptions(sub);
	for (const name of LIMIT_NAMES) {
		sub.addIntegerOption((option) =>
			option
				.setName(name)
				.setDescription(LIMIT_DESCRIPTIONS[name])
				.setMinValue(LIMIT_RANGES[name].min)
				.setMaxValue(LIMIT_RANGES[name].max),
		);
	}
	return sub;
}

export const serverSettingsData = new SlashCommandBuilder()
	.setName('server-settings')
	.setDescription('Server defaults, rules and limits for Midjourney jobs (Manage Server)')
	.setContexts(InteractionContextType.Guild)
	.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
	.addSubcommand((sub) =>
		sub.setName('show').setDescription('Show every setting, today’s usage and the remaining Midjourney credits'),
	)
	.addSubcommand(setSubcommand)
	.addSubcommand((sub) => {
		sub.setName('emoji').setDescription('The emoji members react with for each result action ("default" restores one)');
		sub.addStringOption((option) =>
			option.setName('pick').setDescription('Four emoji, separated by spaces, for images 1 to 4').setMaxLength(200),
		);
		for (const action of EMOJI_ACTIONS.filter((name) => name !== 'pick')) {
			sub.addStringOption((option) =>
				option.setName(action).setDescription(`Emoji for ${action} (standard or this server’s own)`).setMaxLength(100),
			);
		}
		return sub;
	})
	.addSubcommand((sub) =>
		sub
			.setName('api_key')
			.setDescription('Set this server’s own Midjourney API key (a form opens), or remove it')
			.addBooleanOption((option) =>
				option.setName('remove').setDescription('Remove the server’s own key instead of setting one'),
			),
	)
	.addSubcommand((sub) =>
		sub
			.setName('blocked_words')
			.setDescription('Words this server does not allow in prompts (add, remove or list)')
			.addStringOption((option) =>
				option
					.setName('action')
					.setDescription('What to do with the list')
					.setRequired(true)
					.addChoices(
						{ name: 'Add', value: 'add' },
						{ name: 'Remove', value: 'remove' },
						{ name: 'List', value: 'list' },
					),
			)
			.addStringOption((option) =>
				option.setName('words').setDescription('Words or phrases, separated by commas').setMaxLength(1000),
			),
	)
	.addSubcommand((sub) =>
		sub
			.setName('reset')
			.setDescription('Back to the default for one setting, or for everything')
			.addStringOption((option) =>
				option
					.setName('setting')
					.setDescription('What to reset ("all" resets everything)')
					.setRequired(true)
					.addChoices(...RESET_CHOICES.map((name) => ({ name, value: name }))),
			),
	);
