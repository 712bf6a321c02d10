/**
 * The reactions that mean something on a result, and what they mean. Anything else is left alone: members react
 * with 👍 too, and that must not start a paid job.
 */
import type { ResultAction } from './customId.js';
import type { ResultMessageRef } from './records.js';
import type { ResultShape } from './result.js';

/** What a reaction asks for: an action, and for 1️⃣–4️⃣ the image it picks (0-based). */
export interface ReactionAction {
	action: Exclude<ResultAction, 'prompt'>;
	index?: number;
}

/** The emoji of each action: a standard emoji, or a server's own as `<:name:id>`. */
export interface ActionEmojiSet {
	pick: readonly [string, string, string, string];
	remix: string;
	animate: string;
	reroll: string;
	delete: string;
	dm: string;
}

/** The emoji DESIGN.md gives each action, as members see them in the hint line and on the buttons. */
export const ACTION_EMOJI: ActionEmojiSet = {
	pick: ['1️⃣', '2️⃣', '3️⃣', '4️⃣'],
	remix: '🎨',
	animate: '🎬',
	reroll: '🔁',
	delete: '❌',
	dm: '✉️',
};

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
	const actions = ['remix', 'animate', 'reroll', 'delete', 'dm'] as const;
	const action = actions.find((name) => matches(set[name]));
	return action ? { action } : undefined;
}

/**
 * What a reaction means on a given result message, or undefined when it means nothing there (1️⃣ on a single
 * image, 🎨 on a grid or a video…). `index` is the image the action applies to.
 */
export function reactionMeaning(
	wanted: ReactionAction,
	ref: ResultMessageRef,
	result: { shape: ResultShape; fileCount: number } | undefined,
): ReactionAction | undefined {
	const picked = ref.type === 'pick' ? { index: ref.index } : {};
	switch (wanted.action) {
		case 'pick':
			return ref.type === 'job' && result?.shape === 'grid' && (wanted.index ?? 0) < result.fileCount
				? wanted
				: undefined;
		case 'remix':
		case 'animate':
			if (ref.type === 'pick') return { action: wanted.action, index: ref.index };
			return result?.shape === 'single' ? { action: wanted.action, index: 0 } : undefined;
		case 'reroll':
		case 'delete':
		case 'dm':
			return { action: wanted.action, ...picked };
	}
}
