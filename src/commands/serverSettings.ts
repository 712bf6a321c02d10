/**
 * `/server-settings`: what a server's admins decide. Registered for Manage Server by default, and checked again
 * here: Discord's default permission is only advice to clients, and a server can override it.
 */
import { MessageFlags, PermissionFlagsBits, Routes, type APIEmoji, type ChatInputCommandInteraction } from 'discord.js';
import { problem } from '../discord/input.js';
import { memberTranslator } from '../discord/language.js';
import { NO_PINGS, fitContent } from '../discord/respond.js';
import {
	describeCredits,
	describeDefaults,
	describeRules,
	describeLanguage,
	describeUsage,
	formatValue,
} from '../discord/settingsView.js';
import { isLanguage, LANGUAGES, replyLanguage, t, type Language, type Translate } from '../i18n/index.js';
import { listSpeeds, listTaskTypes } from '../settings/rules.js';
import { nextUtcMidnight } from '../settings/time.js';
import { EMOJI_ACTIONS, emptyServerSettings, type ServerSettings } from '../settings/types.js';
import {
	GENERATION_OPTION_NAMES,
	MAX_CHANNELS,
	checkDefaults,
	checkLimit,
	checkSnowflake,
	checkServerEmoji,
	checkWatermark,
	crossCheck,
	customEmojiId,
	parseEmoji,
	parsePickEmoji,
	parseSpeeds,
	parseTaskTypes,
	type LimitName,
} from '../settings/validate.js';
import { UserError, type Wording } from '../userError.js';
import { manageBlockedWords } from './serverBlockedWords.js';
import {
	AUTO_LANGUAGE,
	BLOCKED_WORDS_OPTIONS,
	DEFAULT_EMOJI,
	EMOJI_OPTIONS,
	LIMIT_FIELDS,
	LIMIT_NAMES,
	RESET_CHOICES,
	SET_OPTIONS,
	serverSettingsData as data,
} from './serverSettingsData.js';
import { apiKeyCommand, describeServerKey, ownApiKey, spendingSummary } from './serverSettingsKey.js';
import { assertKnownOptions, assertNothingWrong, readSubcommand, type SubcommandInput } from './subcommand.js';
import type { Command, CommandContext } from './types.js';

export default {
	data,
	async execute(interaction, context) {
		if (!interaction.inGuild()) throw UserError.localized('wrong-place', 'serverSettings.guildOnly');
		if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
			throw UserError.localized('not-permitted', 'serverSettings.manageServerOnly');
		}
		const input = readSubcommand(interaction);
		if (input.name === 'api_key') {
			// A form must be the first answer: before any deferral.
			assertKnownOptions(input, ['remove']);
			await apiKeyCommand(interaction, context, input.values.get('remove') === true);
			return;
		}
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		switch (input.name) {
			case 'show':
				await show(interaction, context);
				return;
			case 'set':
				assertKnownOptions(input, SET_OPTIONS);
				await set(interaction, context, input);
				return;
			case 'emoji':
				assertKnownOptions(input, EMOJI_OPTIONS);
				await setEmoji(interaction, context, input);
				return;
			case 'blocked_words':
				assertKnownOptions(input, BLOCKED_WORDS_OPTIONS);
				await manageBlockedWords(interaction, context, input);
				return;
			case 'reset':
				assertKnownOptions(input, ['setting']);
				await reset(interaction, context, input.values.get('setting'));
				return;
			default:
				throw UserError.localized('invalid-input', 'errors.unknownSubcommand', {
					command: 'server-settings',
					subcommand: input.name,
				});
		}
	},
} satisfies Command;

type GuildInteraction = ChatInputCommandInteraction<'cached' | 'raw'>;

async function show(interaction: GuildInteraction, context: CommandContext): Promise<void> {
	const guildId = interaction.guildId;
	const language = replyLanguage(interaction.locale, { guildLocale: interaction.guildLocale });
	const [server, usage, credits, key, spending] = await Promise.all([
		context.settings.settings.server(guildId),
		context.settings.guildUsage(guildId),
		readCredits(context, guildId),
		describeServerKey(context, guildId, language),
		context.settings.spending(guildId, interaction.user.id),
	]);
	const t = memberTranslator(interaction);
	const content = [
		t('serverSettings.showHeading'),
		t('serverSettings.defaults', { defaults: describeDefaults(t, server.defaults) }),
		...describeRules(t, server),
		describeLanguage(t, server, interaction.guildLocale),
		describeUsage(t, usage, server.limits.serverDaily, nextUtcMidnight(Date.now())),
		...(spending ? [spendingSummary(spending, language)] : []),
		key,
		describeCredits(t, credits),
	].join('\n');
	await interaction.editReply({ content: fitContent(content), allowedMentions: NO_PINGS });
}

/** The remaining credits of the account that pays for the server's jobs (its own key's, or the default's). */
async function readCredits(context: CommandContext, guildId: string): Promise<number | undefined> {
	try {
		if ((await context.keys?.forGuild(guildId)) === 'missing') return undefined;
		return await context.api.getCredits(await ownApiKey(context, guildId));
	} catch (error) {
		context.logger.warn({ err: error }, 'Could not read the remaining credits');
		return undefined;
	}
}

async function set(interaction: GuildInteraction, context: CommandContext, input: SubcommandInput): Promise<void> {
	const { values } = input;
	if (values.size === 0) throw UserError.localized('invalid-input', 'serverSettings.setEmpty');
	const problems: Wording[] = [];
	const changes = readChanges(values, interaction.guildId, problems);
	assertNothingWrong(problems);
	await context.settings.settings.updateServer(interaction.guildId, (current) => {
		const next = applyChanges(current, changes, problems);
		problems.push(...crossCheck(next));
		assertNothingWrong(problems);
		return next;
	});
	await interaction.editReply({
		content: fitContent(
			memberTranslator(interaction)('serverSettings.saved', {
				changes: describeChanges(changes, memberTranslator(interaction)).join('; '),
			}),
		),
		allowedMentions: NO_PINGS,
	});
}

/** What `/server-settings set` was asked to change, each value checked (problems added, not thrown). */
interface ServerChanges {
	defaults: ReturnType<typeof checkDefaults>;
	taskTypes: ReturnType<typeof parseTaskTypes>;
	speeds: ReturnType<typeof parseSpeeds>;
	addChannel: string | undefined;
	removeChannel: string | undefined;
	role: string | undefined;
	watermark: string | undefined;
	limits: ReadonlyArray<readonly [LimitName, number]>;
	language: Language | typeof AUTO_LANGUAGE | undefined;
	showCredits: boolean | undefined;
}

function readChanges(values: ReadonlyMap<string, unknown>, guildId: string, problems: Wording[]): ServerChanges {
	const read = <T>(name: string, parse: (value: unknown) => T | undefined): T | undefined =>
		values.has(name) ? parse(values.get(name)) : undefined;
	const changes: ServerChanges = {
		defaults: checkDefaults(values, problems),
		taskTypes: read('allowed_commands', (value) => parseTaskTypes(String(value), problems)),
		speeds: read('allowed_speeds', (value) => parseSpeeds(String(value), problems)),
		addChannel: read('add_channel', (value) => checkSnowflake('add_channel', value, problems)),
		removeChannel: read('remove_channel', (value) => checkSnowflake('remove_channel', value, problems)),
		role: read('required_role', (value) => checkSnowflake('required_role', value, problems)),
		watermark: read('watermark', (value) => checkWatermark(value, problems)),
		language: read('language', (value) => checkLanguage(value, problems)),
		showCredits: read('show_credits', (value) => (typeof value === 'boolean' ? value : undefined)),
		limits: LIMIT_NAMES.flatMap((name) => {
			const value = read(name, (raw) => checkLimit(name, raw, problems));
			return value === undefined ? [] : [[name, value] as const];
		}),
	};
	if (changes.role === guildId) {
		problems.push(problem('serverSettings.everyoneRole'));
	}
	if (changes.addChannel && changes.addChannel === changes.removeChannel)
		problems.push(problem('serverSettings.sameChannel'));
	return changes;
}

/** The server's settings with the changes made; a change that cannot be made adds a problem. */
function applyChanges(current: ServerSettings, changes: ServerChanges, problems: Wording[]): ServerSettings {
	const { taskTypes, speeds, addChannel, removeChannel, role, watermark } = changes;
	const next: ServerSettings = { ...current, defaults: { ...current.defaults, ...changes.defaults } };
	if (taskTypes === 'all') delete next.allowedTaskTypes;
	else if (taskTypes) next.allowedTaskTypes = taskTypes;
	if (speeds === 'all') delete next.allowedSpeeds;
	else if (speeds) next.allowedSpeeds = speeds;
	if (addChannel && !next.channels.includes(addChannel)) {
		if (next.channels.length >= MAX_CHANNELS)
			problems.push(problem('serverSettings.tooManyChannels', { max: MAX_CHANNELS }));
		next.channels = [...next.channels, addChannel];
	}
	if (removeChannel) {
		if (!next.channels.includes(removeChannel))
			problems.push(problem('serverSettings.channelNotListed', { channel: `<#${removeChannel}>` }));
		next.channels = next.channels.filter((id) => id !== removeChannel);
	}
	if (role) next.requiredRoleId = role;
	if (watermark) next.watermark = watermark;
	if (changes.language === AUTO_LANGUAGE) delete next.language;
	else if (changes.language) next.language = changes.language;
	next.limits = { ...next.limits };
	for (const [name, value] of changes.limits) next.limits[LIMIT_FIELDS[name]] = value;
	if (changes.showCredits === true) next.showCredits = true;
	else if (changes.showCredits === false) delete next.showCredits;
	return next;
}

/** The changes as the confirmation lists them. */
function describeChanges(changes: ServerChanges, t: Translate): string[] {
	const { defaults, taskTypes, speeds, addChannel, removeChannel, role, watermark } = changes;
	const saved: string[] = [];
	for (const name of GENERATION_OPTION_NAMES) {
		if (defaults[name] !== undefined)
			saved.push(t('serverSettings.savedDefault', { name, value: formatValue(defaults[name]) }));
	}
	const all = t('serverSettings.all');
	if (taskTypes)
		saved.push(
			t('serverSettings.savedAllowedCommands', {
				value: taskTypes === 'all' ? all : listTaskTypes(taskTypes, t('serverSettings.none')),
			}),
		);
	if (speeds)
		saved.push(t('serverSettings.savedAllowedSpeeds', { value: speeds === 'all' ? all : listSpeeds(speeds) }));
	if (addChannel) saved.push(t('serverSettings.savedAddChannel', { channel: `<#${addChannel}>` }));
	if (removeChannel) saved.push(t('serverSettings.savedRemoveChannel', { channel: `<#${removeChannel}>` }));
	if (role) saved.push(t('serverSettings.savedRole', { role: `<@&${role}>` }));
	if (watermark) saved.push(t('serverSettings.savedWatermark', { value: formatValue(watermark) }));
	for (const [name, value] of changes.limits) saved.push(t('serverSettings.savedLimit', { name, value }));
	if (changes.language) saved.push(t('serverSettings.savedLanguage', { value: formatValue(changes.language) }));
	if (changes.showCredits !== undefined) {
		const value = t(changes.showCredits ? 'serverSettings.creditsShown' : 'serverSettings.creditsHidden');
		saved.push(t('serverSettings.savedLimit', { name: 'show_credits', value }));
	}
	return saved;
}

/** `auto` or one of the languages the bot speaks. */
function checkLanguage(value: unknown, problems: Wording[]): Language | typeof AUTO_LANGUAGE | undefined {
	if (value === AUTO_LANGUAGE || isLanguage(value)) return value;
	const choices = [AUTO_LANGUAGE, ...LANGUAGES].map(formatValue).join(', ');
	problems.push((language) => t(language, 'validation.oneOf', { name: 'language', choices, value: String(value) }));
	return undefined;
}

async function setEmoji(interaction: GuildInteraction, context: CommandContext, input: SubcommandInput): Promise<void> {
	const { values } = input;
	if (values.size === 0) throw UserError.localized('invalid-input', 'serverSettings.emojiEmpty');
	const problems: Wording[] = [];
	const changes: ServerSettings['emoji'] = {};
	const restore: string[] = [];
	for (const [name, value] of values) {
		if (typeof value === 'string' && value.trim().toLowerCase() === DEFAULT_EMOJI) {
			restore.push(name);
		} else if (name === 'pick') {
			const pick = parsePickEmoji(value, problems);
			if (pick) changes.pick = pick;
		} else if (name !== 'pick' && (EMOJI_ACTIONS as readonly string[]).includes(name)) {
			const action = name as Exclude<(typeof EMOJI_ACTIONS)[number], 'pick'>;
			const emoji = parseEmoji(action, value, problems);
			if (emoji) changes[action] = emoji;
		}
	}
	assertNothingWrong(problems);
	if (Object.values(changes).some((value) => [value].flat().some((entry) => customEmojiId(entry) !== undefined)))
		assertNothingWrong(checkServerEmoji(changes, await serverEmojiIds(interaction, context)));
	const { after } = await context.settings.settings.updateServer(interaction.guildId, (current) => {
		const emoji: Record<string, unknown> = { ...current.emoji, ...changes };
		for (const name of restore) delete emoji[name];
		const next: ServerSettings = { ...current, emoji: emoji as ServerSettings['emoji'] };
		assertNothingWrong(crossCheck(next));
		return next;
	});
	await interaction.editReply({
		content: memberTranslator(interaction)('serverSettings.emojiSaved', {
			emoji: describeRules(memberTranslator(interaction), after).at(-1) ?? '',
		}),
		allowedMentions: NO_PINGS,
	});
}

/** The ids of the server's own emoji, asked of Discord (the cache may not hold them, and may be stale). */
async function serverEmojiIds(interaction: GuildInteraction, context: CommandContext): Promise<Set<string>> {
	try {
		const emoji = (await interaction.client.rest.get(Routes.guildEmojis(interaction.guildId))) as APIEmoji[];
		return new Set(emoji.flatMap((entry) => (entry.id ? [entry.id] : [])));
	} catch (error) {
		context.logger.warn({ err: error, guildId: interaction.guildId }, 'Could not list the server’s emoji');
		throw UserError.localized('unavailable', 'serverSettings.emojiUncheckable');
	}
}

/** Clears one setting (or group of settings) of a copy of the server's settings. */
function clearSetting(next: ServerSettings, name: Exclude<(typeof RESET_CHOICES)[number], 'all'>): void {
	switch (name) {
		case 'allowed_commands':
			delete next.allowedTaskTypes;
			break;
		case 'allowed_speeds':
			delete next.allowedSpeeds;
			break;
		case 'channels':
			next.channels = [];
			break;
		case 'required_role':
			delete next.requiredRoleId;
			break;
		case 'watermark':
			delete next.watermark;
			break;
		case 'emoji':
			next.emoji = {};
			break;
		case 'language':
			delete next.language;
			break;
		case 'blocked_words':
			delete next.blockedWords;
			break;
		case 'member_running_limit':
		case 'member_daily_limit':
		case 'server_daily_limit':
			delete next.limits[LIMIT_FIELDS[name]];
			break;
		case 'budgets':
			delete next.limits.serverDailyBudget;
			delete next.limits.serverMonthlyBudget;
			delete next.limits.memberDailyBudget;
			break;
		default:
			delete next.defaults[name];
	}
}

async function reset(interaction: GuildInteraction, context: CommandContext, setting: unknown): Promise<void> {
	if (!(RESET_CHOICES as readonly unknown[]).includes(setting)) {
		throw UserError.localized('invalid-input', 'serverSettings.notASetting', { name: String(setting) });
	}
	const name = setting as (typeof RESET_CHOICES)[number];
	await context.settings.settings.updateServer(interaction.guildId, (current) => {
		if (name === 'all') return emptyServerSettings();
		const next: ServerSettings = { ...current, defaults: { ...current.defaults }, limits: { ...current.limits } };
		clearSetting(next, name);
		assertNothingWrong(crossCheck(next));
		return next;
	});
	await interaction.editReply({
		content:
			name === 'all'
				? memberTranslator(interaction)('serverSettings.resetAll')
				: memberTranslator(interaction)('serverSettings.resetOne', { name }),
		allowedMentions: NO_PINGS,
	});
}
