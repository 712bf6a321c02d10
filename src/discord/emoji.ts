/**
 * Discord's emoji notation: a standard emoji as itself, a custom one as `<:name:id>`; and which result action an
 * emoji stands for in a server's set.
 */
import { ACTION_EMOJI, type ActionEmojiSet } from '../settings/actionEmoji.js';
import type { FormAction, ResultAction } from './customId.js';

/** What a reaction asks for: an action, and for 1️⃣–4️⃣ the image it picks (0-based). */
export interface ReactionAction {
	action: Exclude<ResultAction, FormAction | 'extendPrompt'>;
	index?: number;
}

const CUSTOM_EMOJI = /^<a?:(?<name>\w{2,32}):(?<id>\d{17,20})>$/;

/** Clients send some emoji with and some without the variation selector (✉️ / ✉): both mean the same. */
export function normalizeEmoji(name: string): string {
	return name.replaceAll('\uFE0F', '');
}

/** What an emoji is compared by: a custom emoji's id, a standard emoji without variation selectors. */
export function emojiKey(emoji: { id: string | null; name: string | null }): string | undefined {
	if (emoji.id !== null) return emoji.id;
	return emoji.name === null ? undefined : normalizeEmoji(emoji.name);
}

/** A configured emoji (`🎨` or `<:name:id>`) as the parts a reaction or a button carries. */
export function parseEmoji(text: string): { id: string | null; name: string } {
	const custom = CUSTOM_EMOJI.exec(text)?.groups;
	return custom?.['id'] && custom['name'] ? { id: custom['id'], name: custom['name'] } : { id: null, name: text };
}

/** The action a reaction's emoji stands for in `set`; any other emoji means nothing. */
export function actionForEmoji(
	emoji: { id: string | null; name: string | null },
	set: ActionEmojiSet = ACTION_EMOJI,
): ReactionAction | undefined {
	const key = emojiKey(emoji);
	if (key === undefined) return undefined;
	const matches = (configured: string) => emojiKey(parseEmoji(configured)) === key;
	const picked = set.pick.findIndex(matches);
	if (picked !== -1) return { action: 'pick', index: picked };
	const actions = ['remix', 'animate', 'reroll', 'delete', 'dm', 'vary', 'upscale', 'extend'] as const;
	const action = actions.find((name) => matches(set[name]));
	return action ? { action } : undefined;
}
