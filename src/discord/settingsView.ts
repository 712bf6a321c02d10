/**
 * How settings read in Discord: pure functions from settings to message text, for `/settings show` and
 * `/server-settings show`.
 */
import { channelMention, roleMention } from 'discord.js';
import { SPEEDS } from '../api/spec.js';
import {
	IMAGE_OPTION_NAMES,
	OMNI_OPTION_NAMES,
	VIDEO_OPTION_NAMES,
	type GenerationOptionName,
} from '../jobs/options.js';
import { WORK_TYPES } from '../jobs/workType.js';
import { API_DEFAULT_LABELS, type EffectiveOptions } from '../settings/resolve.js';
import { listSpeeds, listTaskTypes } from '../settings/rules.js';
import type { OptionDefaults, ServerSettings, ValueSource } from '../settings/types.js';
import type { GuildUsage } from '../settings/usage.js';
import { GENERATION_OPTION_NAMES, effectiveEmoji } from '../settings/validate.js';
import { discordTimestamp } from './timestamp.js';

export function formatValue(value: unknown): string {
	return `\`${String(value)}\``;
}

const SOURCE_LABELS: Record<ValueSource, string> = {
	option: 'typed in the command',
	member: 'yours',
	server: 'server default',
	rule: 'server rule: the slowest allowed speed',
	api: 'API default',
};

/** The commands that take each option, e.g. `speed` → imagine, remix, style. */
function usedBy(name: GenerationOptionName): string {
	const commands: Array<[string, readonly GenerationOptionName[]]> = [
		['imagine', IMAGE_OPTION_NAMES],
		['remix', IMAGE_OPTION_NAMES],
		['style', IMAGE_OPTION_NAMES],
		['animate', VIDEO_OPTION_NAMES],
		['omni', OMNI_OPTION_NAMES],
	];
	const users = commands.filter(([, names]) => names.includes(name)).map(([command]) => `/${command}`);
	return users.length === 5 ? 'all' : users.join(', ');
}

/** One line per option: its effective value and where it comes from. */
export function describeEffective(effective: EffectiveOptions): string[] {
	return GENERATION_OPTION_NAMES.map((name) => {
		const source = effective.sources[name] ?? 'api';
		const value = effective.values[name];
		const shown = value === undefined ? (API_DEFAULT_LABELS[name] ?? 'chosen by Midjourney') : formatValue(value);
		return `• **${name}** (${usedBy(name)}): ${shown} — ${SOURCE_LABELS[source]}`;
	});
}

export function describeDefaults(defaults: OptionDefaults): string {
	const parts = GENERATION_OPTION_NAMES.flatMap((name) =>
		defaults[name] === undefined ? [] : [`${name} ${formatValue(defaults[name])}`],
	);
	return parts.length > 0 ? parts.join(' · ') : 'none (members’ own settings, then the API’s defaults)';
}

function limitText(value: number | undefined): string {
	return value === undefined ? 'unlimited' : String(value);
}

export function describeRules(server: ServerSettings): string[] {
	const allowedTypes = server.allowedTaskTypes;
	const allowedSpeeds = server.allowedSpeeds;
	const emoji = effectiveEmoji(server);
	return [
		`**Allowed commands** (\`allowed_commands\`): ${allowedTypes && allowedTypes.length < WORK_TYPES.length ? listTaskTypes(allowedTypes) : 'all'}`,
		`**Allowed speeds** (\`allowed_speeds\`): ${allowedSpeeds && allowedSpeeds.length < SPEEDS.length ? listSpeeds(allowedSpeeds) : 'all'}`,
		`**Channels** (\`add_channel\` / \`remove_channel\`): ${server.channels.length > 0 ? server.channels.map(channelMention).join(', ') : 'all'}`,
		`**Required role** (\`required_role\`): ${server.requiredRoleId ? roleMention(server.requiredRoleId) : 'none'}`,
		`**Watermark** (\`watermark\`): ${server.watermark ? formatValue(server.watermark) : 'none'}`,
		`**Credits in /info** (\`show_credits\`): ${server.showCredits ? 'shown to members' : 'hidden'}`,
		`**Limits**: running per member (\`member_running_limit\`) ${limitText(server.limits.memberRunning)} · per member per day (\`member_daily_limit\`) ${limitText(server.limits.memberDaily)} · whole server per day (\`server_daily_limit\`) ${limitText(server.limits.serverDaily)}`,
		`**Emoji** (\`/server-settings emoji\`): pick ${emoji.pick.join(' ')} · remix ${emoji.remix} · animate ${emoji.animate} · reroll ${emoji.reroll} · delete ${emoji.delete} · dm ${emoji.dm} · vary ${emoji.vary} · upscale ${emoji.upscale} · extend ${emoji.extend}`,
	];
}

export function describeUsage(usage: GuildUsage, cap: number | undefined, resetsAt: number): string {
	const capText = cap === undefined ? '' : ` of the ${cap} allowed`;
	const failed = usage.failedToday > 0 ? ` (${usage.failedToday} more failed and were given back)` : '';
	return `**Today (UTC)**: ${usage.today} job${usage.today === 1 ? '' : 's'}${capText}${failed}, by ${usage.members} member${usage.members === 1 ? '' : 's'}; ${usage.running} running now. Daily counts reset ${discordTimestamp(resetsAt)}.`;
}

export function describeCredits(credits: number | undefined): string {
	return credits === undefined
		? '**Midjourney credits**: unavailable right now (the API did not answer); try again later.'
		: `**Midjourney credits**: ${credits} remaining on the account.`;
}
