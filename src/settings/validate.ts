/**
 * Checks what admins and members send to the settings commands. Generation defaults go through the very same
 * `checkOption` (below) as the generating commands (one table of ranges and choices); the server's own settings (lists,
 * limits, watermark, emoji) have their checks here. Each check adds a member-facing problem instead of throwing, so
 * one reply lists everything to fix and nothing is saved until all of it is valid.
 */
import { SPEEDS, TASK_TYPES, type Speed } from '../api/spec.js';
import { t, type MessageKey, type MessageVars } from '../i18n/index.js';
import { GENERATION_OPTIONS, type GenerationOptionName } from '../jobs/options.js';
import { WORK_TYPES, type WorkType } from '../jobs/workType.js';
import type { Wording } from '../userError.js';
import { ACTION_EMOJI } from './actionEmoji.js';
import { TASK_TYPE_NAMES, listSpeeds, listTaskTypes } from './rules.js';
import {
	EMOJI_ACTIONS,
	type ActionEmoji,
	type EmojiAction,
	type OptionDefaults,
	type ServerSettings,
} from './types.js';

/** Inclusive ranges of the limits; the slash-command builder and the checks both read them. */
export const LIMIT_RANGES = {
	member_running_limit: { min: 1, max: 50 },
	member_daily_limit: { min: 1, max: 1000 },
	server_daily_limit: { min: 1, max: 100_000 },
	/** Budgets, in credits. */
	daily_budget: { min: 1, max: 100_000_000 },
	monthly_budget: { min: 1, max: 100_000_000 },
	member_daily_budget: { min: 1, max: 100_000_000 },
} as const;
export type LimitName = keyof typeof LIMIT_RANGES;

export const WATERMARK_MAX_LENGTH = 64;
export const MAX_CHANNELS = 50;

/** The emoji DESIGN.md gives each result action (one definition, with the actions). */
export const DEFAULT_ACTION_EMOJI: ActionEmoji = ACTION_EMOJI;

export const GENERATION_OPTION_NAMES = Object.keys(GENERATION_OPTIONS) as GenerationOptionName[];

/** A problem worded by the catalogues, in the language of whoever reads it. */
function problem(key: MessageKey, vars: MessageVars = {}): Wording {
	return (language) => t(language, key, vars);
}

/** Returns a member-facing problem, or undefined when the value is valid for the option. */
export function checkOption(name: GenerationOptionName, value: unknown): Wording | undefined {
	const def = GENERATION_OPTIONS[name];
	const got = String(value);
	switch (def.kind) {
		case 'string-choice':
			return typeof value === 'string' && (def.choices as readonly string[]).includes(value)
				? undefined
				: problem('validation.oneOf', { name, value: got, choices: codeList(def.choices) });
		case 'integer-choice':
			return typeof value === 'number' && (def.choices as readonly number[]).includes(value)
				? undefined
				: problem('validation.oneOf', { name, value: got, choices: def.choices.join(', ') });
		case 'integer-range':
			// Plain numbers: a range such as 0 to 3000 reads as the option's bounds, not as an amount.
			return typeof value === 'number' && Number.isInteger(value) && value >= def.min && value <= def.max
				? undefined
				: problem('validation.wholeNumber', { name, value: got, min: def.min, max: def.max });
		case 'boolean':
			return typeof value === 'boolean' ? undefined : problem('validation.trueOrFalse', { name });
	}
}

function codeList(words: readonly (string | number)[]): string {
	return words.map((word) => `\`${word}\``).join(', ');
}

/** Checks each given generation default against the option table; returns the valid ones. */
export function checkDefaults(raw: ReadonlyMap<string, unknown>, problems: Wording[]): OptionDefaults {
	const values: Partial<Record<GenerationOptionName, unknown>> = {};
	for (const name of GENERATION_OPTION_NAMES) {
		const value = raw.get(name);
		if (value === undefined || value === null) continue;
		const invalid = checkOption(name, value);
		if (invalid) problems.push(invalid);
		else values[name] = value;
	}
	return values as OptionDefaults;
}

/** Drops stored defaults the option table no longer accepts (a version the API retired, say). */
export function sanitizeDefaults(stored: unknown): OptionDefaults {
	if (typeof stored !== 'object' || stored === null) return {};
	const raw = new Map(Object.entries(stored));
	return checkDefaults(raw, []);
}

function tokens(text: string): string[] {
	return text
		.toLowerCase()
		.split(/[\s,;]+/)
		.filter((token) => token !== '');
}

const TASK_TYPE_BY_NAME = new Map<string, WorkType>([
	...TASK_TYPES.map((type): [string, WorkType] => [type, type]),
	...WORK_TYPES.map((type): [string, WorkType] => [TASK_TYPE_NAMES[type], type]),
	['animate-hd', 'mj_video_hd'],
	['hd', 'mj_video_hd'],
]);

/** `imagine, remix, animate_hd` → task types; `all` → no restriction; `none` → nothing allowed. */
export function parseTaskTypes(text: string, problems: Wording[]): WorkType[] | 'all' | undefined {
	const words = tokens(text);
	if (words.length === 1 && words[0] === 'all') return 'all';
	if (words.length === 1 && words[0] === 'none') return [];
	const unknown = words.filter((word) => !TASK_TYPE_BY_NAME.has(word));
	if (words.length === 0 || unknown.length > 0) {
		const names = codeList(WORK_TYPES.map((type) => TASK_TYPE_NAMES[type]));
		problems.push((language) => {
			const got = unknown.length > 0 ? t(language, 'validation.notACommand', { words: codeList(unknown) }) : '';
			return t(language, 'validation.allowedCommands', { names, got });
		});
		return undefined;
	}
	const chosen = new Set(words.map((word) => TASK_TYPE_BY_NAME.get(word)!));
	return WORK_TYPES.filter((type) => chosen.has(type));
}

/** `relaxed, fast` → speeds; `all` → no restriction. At least one speed stays allowed. */
export function parseSpeeds(text: string, problems: Wording[]): Speed[] | 'all' | undefined {
	const words = tokens(text);
	if (words.length === 1 && words[0] === 'all') return 'all';
	const unknown = words.filter((word) => !(SPEEDS as readonly string[]).includes(word));
	if (words.length === 0 || unknown.length > 0) {
		problems.push((language) => {
			const got = unknown.length > 0 ? t(language, 'validation.notASpeed', { words: codeList(unknown) }) : '';
			return t(language, 'validation.allowedSpeeds', { speeds: listSpeeds(SPEEDS), got });
		});
		return undefined;
	}
	return SPEEDS.filter((speed) => words.includes(speed));
}

export function checkWatermark(value: unknown, problems: Wording[]): string | undefined {
	const text = typeof value === 'string' ? value.trim() : '';
	if (text === '' || text.length > WATERMARK_MAX_LENGTH || /\p{Cc}/u.test(text)) {
		problems.push(problem('validation.watermark', { max: WATERMARK_MAX_LENGTH }));
		return undefined;
	}
	return text;
}

export function checkLimit(name: LimitName, value: unknown, problems: Wording[]): number | undefined {
	const { min, max } = LIMIT_RANGES[name];
	if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
	problems.push(problem('validation.limit', { name, min, max, value: String(value) }));
	return undefined;
}

const SNOWFLAKE = /^\d{17,20}$/;

export function checkSnowflake(name: string, value: unknown, problems: Wording[]): string | undefined {
	if (typeof value === 'string' && SNOWFLAKE.test(value)) return value;
	problems.push(problem('validation.pickFromList', { name }));
	return undefined;
}

const CUSTOM_EMOJI = /^<a?:\w{2,32}:\d{17,20}>$/;
const UNICODE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

/** One emoji: a standard one (with or without its variation selector) or a custom `<:name:id>` emoji. */
export function normalizeEmojiInput(text: string): string | undefined {
	const trimmed = text.trim();
	if (CUSTOM_EMOJI.test(trimmed)) return trimmed;
	if (UNICODE_EMOJI.test(trimmed)) return trimmed;
	// Some keyboards drop the variation selector (✉ for ✉️): Discord treats both as the same reaction.
	if (UNICODE_EMOJI.test(`${trimmed}\uFE0F`)) return `${trimmed}\uFE0F`;
	return undefined;
}

export function parseEmoji(
	action: Exclude<EmojiAction, 'pick'>,
	value: unknown,
	problems: Wording[],
): string | undefined {
	const emoji = typeof value === 'string' ? normalizeEmojiInput(value) : undefined;
	if (!emoji) problems.push(problem('validation.oneEmoji', { action }));
	return emoji;
}

export function parsePickEmoji(value: unknown, problems: Wording[]): ActionEmoji['pick'] | undefined {
	const parts = typeof value === 'string' ? value.trim().split(/\s+/) : [];
	const emoji = parts.map(normalizeEmojiInput);
	if (emoji.length !== 4 || emoji.some((entry) => entry === undefined)) {
		problems.push(problem('validation.pickEmoji'));
		return undefined;
	}
	return emoji as unknown as ActionEmoji['pick'];
}

/** The id of a custom emoji (`<:name:id>` / `<a:name:id>`), or undefined for a standard one. */
export function customEmojiId(emoji: string): string | undefined {
	return CUSTOM_EMOJI_ID.exec(emoji)?.[1];
}

const CUSTOM_EMOJI_ID = /^<a?:\w{2,32}:(\d{17,20})>$/;

/**
 * The custom emoji among the changes that are not this server's own (`serverEmojiIds`), one problem each: Discord
 * refuses buttons with an emoji the bot cannot use, and members could not react with it either.
 */
export function checkServerEmoji(changes: Partial<ActionEmoji>, serverEmojiIds: ReadonlySet<string>): Wording[] {
	const problems: Wording[] = [];
	for (const action of EMOJI_ACTIONS) {
		const value = changes[action];
		const entries: readonly string[] = value === undefined ? [] : typeof value === 'string' ? [value] : value;
		for (const entry of entries) {
			const id = customEmojiId(entry);
			if (id !== undefined && !serverEmojiIds.has(id)) {
				problems.push(problem('validation.notServerEmoji', { action, emoji: entry }));
			}
		}
	}
	return problems;
}

export function effectiveEmoji(settings: ServerSettings): ActionEmoji {
	return { ...DEFAULT_ACTION_EMOJI, ...settings.emoji };
}

/** Problems of the settings as a whole: each value may be valid on its own and still contradict another. */
export function crossCheck(settings: ServerSettings): Wording[] {
	const problems: Wording[] = [];
	const { defaults, allowedSpeeds, allowedTaskTypes } = settings;
	if (defaults.speed && allowedSpeeds && !allowedSpeeds.includes(defaults.speed)) {
		const allowed = listSpeeds(allowedSpeeds);
		problems.push(problem('validation.defaultSpeedNotAllowed', { speed: defaults.speed, allowed }));
	}
	if (defaults.hd && allowedTaskTypes && !allowedTaskTypes.includes('mj_video_hd')) {
		problems.push((language) => {
			const allowed = listTaskTypes(allowedTaskTypes, t(language, 'serverSettings.none'));
			return t(language, 'validation.defaultHdNotAllowed', { allowed });
		});
	}
	const emoji = effectiveEmoji(settings);
	const all = EMOJI_ACTIONS.flatMap((action) => (action === 'pick' ? [...emoji.pick] : [emoji[action]]));
	const seen = new Set<string>();
	const repeated = new Set<string>();
	for (const entry of all) {
		const key = entry.replaceAll('\uFE0F', '');
		if (seen.has(key)) repeated.add(entry);
		seen.add(key);
	}
	if (repeated.size > 0) {
		problems.push(problem('validation.repeatedEmoji', { emoji: [...repeated].join(' ') }));
	}
	return problems;
}
