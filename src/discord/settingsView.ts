/**
 * How settings read in Discord: pure functions from settings to message text, for `/settings show` and
 * `/server-settings show`, in the reader's language.
 */
import { channelMention, roleMention } from 'discord.js';
import { SPEEDS } from '../api/spec.js';
import { LANGUAGE_NAMES, languageOf, type Language, type MessageKey, type Translate } from '../i18n/index.js';
import {
	IMAGE_OPTION_NAMES,
	OMNI_OPTION_NAMES,
	PROMPT_SETTING_NAMES,
	VIDEO_OPTION_NAMES,
	type GenerationOptionName,
} from '../jobs/options.js';
import { WORK_TYPES } from '../jobs/workType.js';
import type { EffectiveOptions } from '../settings/resolve.js';
import { listSpeeds, listTaskTypes } from '../settings/rules.js';
import type { OptionDefaults, ServerSettings, ValueSource } from '../settings/types.js';
import type { GuildUsage } from '../settings/usage.js';
import { GENERATION_OPTION_NAMES, effectiveEmoji } from '../settings/validate.js';
import { discordTimestamp } from './timestamp.js';

export function formatValue(value: unknown): string {
	return `\`${String(value)}\``;
}

const SOURCE_KEYS: Record<ValueSource, MessageKey> = {
	option: 'settings.sources.option',
	member: 'settings.sources.member',
	server: 'settings.sources.server',
	rule: 'settings.sources.rule',
	api: 'settings.sources.api',
};

/** What the API does with an option nobody set, where it says more than "chosen by Midjourney". */
const API_DEFAULT_KEYS: Partial<Record<GenerationOptionName, MessageKey>> = {
	version: 'settings.apiDefaults.version',
	motion: 'settings.apiDefaults.motion',
	batch_size: 'settings.apiDefaults.batch_size',
	hd: 'settings.apiDefaults.hd',
	translate_prompt: 'settings.apiDefaults.translate_prompt',
};

/** The commands that take each option, e.g. `speed` → imagine, remix, style. */
function usedBy(t: Translate, name: GenerationOptionName): string {
	const commands: Array<[string, readonly GenerationOptionName[]]> = [
		['imagine', IMAGE_OPTION_NAMES],
		['remix', IMAGE_OPTION_NAMES],
		['style', IMAGE_OPTION_NAMES],
		['animate', VIDEO_OPTION_NAMES],
		['omni', OMNI_OPTION_NAMES],
	];
	const takes = (names: readonly GenerationOptionName[]): boolean =>
		names.includes(name) || (PROMPT_SETTING_NAMES as readonly GenerationOptionName[]).includes(name);
	const users = commands.filter(([, names]) => takes(names)).map(([command]) => `/${command}`);
	return users.length === 5 ? t('settings.usedByAll') : users.join(', ');
}

/** One line per option: its effective value and where it comes from. */
export function describeEffective(t: Translate, effective: EffectiveOptions): string[] {
	return GENERATION_OPTION_NAMES.map((name) => {
		const source = effective.sources[name] ?? 'api';
		const value = effective.values[name];
		const apiDefault = API_DEFAULT_KEYS[name];
		const shown =
			value !== undefined ? formatValue(value) : apiDefault ? t(apiDefault) : t('settings.chosenByMidjourney');
		return t('settings.line', { name, usedBy: usedBy(t, name), value: shown, source: t(SOURCE_KEYS[source]) });
	});
}

export function describeDefaults(t: Translate, defaults: OptionDefaults): string {
	const parts = GENERATION_OPTION_NAMES.flatMap((name) =>
		defaults[name] === undefined ? [] : [`${name} ${formatValue(defaults[name])}`],
	);
	return parts.length > 0 ? parts.join(' · ') : t('serverSettings.noDefaults');
}

function limitText(t: Translate, value: number | undefined): string {
	return value === undefined ? t('serverSettings.unlimited') : String(value);
}

/** The server's `language` setting, or "auto" with the language it resolves to now. */
export function describeLanguage(t: Translate, server: ServerSettings, guildLocale: string | null): string {
	if (server.language) return t('serverSettings.language', { value: formatValue(server.language) });
	const now: Language = languageOf(guildLocale) ?? 'en';
	return t('serverSettings.language', { value: t('serverSettings.languageAuto', { value: LANGUAGE_NAMES[now] }) });
}

export function describeRules(t: Translate, server: ServerSettings): string[] {
	const allowedTypes = server.allowedTaskTypes;
	const allowedSpeeds = server.allowedSpeeds;
	const emoji = effectiveEmoji(server);
	const all = t('serverSettings.all');
	const none = t('serverSettings.none');
	return [
		t('serverSettings.allowedCommands', {
			value: allowedTypes && allowedTypes.length < WORK_TYPES.length ? listTaskTypes(allowedTypes, none) : all,
		}),
		t('serverSettings.allowedSpeeds', {
			value: allowedSpeeds && allowedSpeeds.length < SPEEDS.length ? listSpeeds(allowedSpeeds) : all,
		}),
		t('serverSettings.channels', {
			value: server.channels.length > 0 ? server.channels.map(channelMention).join(', ') : all,
		}),
		t('serverSettings.requiredRole', { value: server.requiredRoleId ? roleMention(server.requiredRoleId) : none }),
		t('serverSettings.watermark', { value: server.watermark ? formatValue(server.watermark) : none }),
		t('serverSettings.showCredits', {
			value: server.showCredits ? t('serverSettings.creditsShown') : t('serverSettings.creditsHidden'),
		}),
		t('serverSettings.blockedWords', {
			value: server.blockedWords?.length ? String(server.blockedWords.length) : none,
		}),
		t('serverSettings.limits', {
			memberRunning: limitText(t, server.limits.memberRunning),
			memberDaily: limitText(t, server.limits.memberDaily),
			serverDaily: limitText(t, server.limits.serverDaily),
		}),
		[
			t('serverSettings.emoji', { ...emoji, pick: emoji.pick.join(' ') }),
			t('serverSettings.emojiFollowUps', { vary: emoji.vary, upscale: emoji.upscale, extend: emoji.extend }),
		].join(' · '),
	];
}

export function describeUsage(t: Translate, usage: GuildUsage, cap: number | undefined, resetsAt: number): string {
	return t('serverSettings.usage', {
		count: usage.today,
		cap: cap === undefined ? '' : t('serverSettings.usageCap', { cap }),
		failed: usage.failedToday > 0 ? t('serverSettings.usageFailed', { failed: usage.failedToday }) : '',
		members: t('serverSettings.usageMembers', { count: usage.members }),
		running: usage.running,
		resetsAt: discordTimestamp(resetsAt),
	});
}

export function describeCredits(t: Translate, credits: number | undefined): string {
	return credits === undefined ? t('serverSettings.creditsUnavailable') : t('serverSettings.credits', { credits });
}
