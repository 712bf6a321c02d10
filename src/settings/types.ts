/**
 * What servers and members configure, as stored. Everything is optional: an absent value means "not set here",
 * so the next source (server, then the API) decides.
 */
import type { Speed } from '../api/spec.js';
import type { Language } from '../i18n/index.js';
import type { GenerationOptionValues } from '../jobs/options.js';
import type { WorkType } from '../jobs/workType.js';
import type { ActionEmojiSet } from './actionEmoji.js';

/** A member's or a server's own defaults for the generation options. */
export type OptionDefaults = Partial<GenerationOptionValues>;

/** The result actions that have an emoji (1️⃣–4️⃣ are one entry: a pick of image 1 to 4). */
export const EMOJI_ACTIONS = [
	'pick',
	'remix',
	'animate',
	'reroll',
	'delete',
	'dm',
	'vary',
	'upscale',
	'extend',
] as const;
export type EmojiAction = (typeof EMOJI_ACTIONS)[number];

/** The emoji of each action; `pick` holds the four emoji of images 1 to 4. One shape, defined with the actions. */
export type ActionEmoji = ActionEmojiSet;

/** Per-member and server-wide job limits; absent means unlimited. */
export interface Limits {
	/** Jobs one member may have queued or generating at once. */
	memberRunning?: number;
	/** Jobs one member may start per UTC day (failed jobs are given back). */
	memberDaily?: number;
	/** Jobs the whole server may start per UTC day (failed jobs are given back). */
	serverDaily?: number;
	/** Credits the whole server may spend per UTC day (failed jobs' costs are given back). */
	serverDailyBudget?: number;
	/** Credits the whole server may spend per calendar month (UTC). */
	serverMonthlyBudget?: number;
	/** Credits one member may spend per UTC day. */
	memberDailyBudget?: number;
}

export interface ServerSettings {
	defaults: OptionDefaults;
	/** Task types members may start; absent = all. */
	allowedTaskTypes?: WorkType[];
	/** Speeds members may use; absent = all. */
	allowedSpeeds?: Speed[];
	/** Channels the bot generates in (threads of them too); empty = all. */
	channels: string[];
	/** A role a member needs to generate; absent = anyone. */
	requiredRoleId?: string;
	/** Sent to the API as `waterMark`. */
	watermark?: string;
	/** Members see the account's remaining credits in `/info`. */
	showCredits?: boolean;
	limits: Limits;
	/** The server's own emoji for result actions; absent actions keep the defaults. */
	emoji: Partial<ActionEmoji>;
	/** The language of the bot's messages in channels; absent = the server's preferred locale ("auto"). */
	language?: Language;
	/** Words and phrases refused in prompts before anything is submitted. */
	blockedWords?: string[];
}

export function emptyServerSettings(): ServerSettings {
	return { defaults: {}, channels: [], limits: {}, emoji: {} };
}

/** Where an effective option value comes from, in order of precedence. */
export type ValueSource =
	/** Typed in the command (or carried over from the result an action started from). */
	| 'option'
	/** The member's `/settings`. */
	| 'member'
	/** The server's defaults in `/server-settings`. */
	| 'server'
	/** Chosen by a server rule (e.g. the slowest allowed speed, since the API's own default may not be allowed). */
	| 'rule'
	/** Not sent: the API decides (or, for `motion`, the value the bot must send). */
	| 'api';
