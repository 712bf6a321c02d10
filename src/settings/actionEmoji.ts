/**
 * The emoji a server gives each result action: on its buttons, in the hint line, and as the reactions that trigger
 * them. A standard emoji, or the server's own as `<:name:id>`.
 */
export interface ActionEmojiSet {
	pick: readonly [string, string, string, string];
	remix: string;
	animate: string;
	reroll: string;
	delete: string;
	dm: string;
	/** Vary an image (Midjourney's V1–V4). */
	vary: string;
	/** Upscale an image (Midjourney's U1–U4 upscale). */
	upscale: string;
	/** Extend a video, on its own (auto). */
	extend: string;
}

/** The default emoji of each action, as members see them in the hint line and on the buttons. */
export const ACTION_EMOJI: ActionEmojiSet = {
	pick: ['1️⃣', '2️⃣', '3️⃣', '4️⃣'],
	remix: '🎨',
	animate: '🎬',
	reroll: '🔁',
	delete: '❌',
	dm: '✉️',
	vary: '🔀',
	upscale: '⬆️',
	extend: '⏩',
};
