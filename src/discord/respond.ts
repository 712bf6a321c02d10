/**
 * The one way the bot answers Discord: messages cut to Discord's limits, mentions that never ping unless a caller
 * names who to ping, and private answers that take whichever of reply, edit or follow-up the interaction still allows.
 */
import {
	DiscordAPIError,
	MessageFlags,
	type APIAllowedMentions,
	type RepliableInteraction,
	type RESTJSONErrorCodes,
} from 'discord.js';

/** Discord's limit on a message's content. */
export const MESSAGE_CONTENT_LIMIT = 2000;

/** Mentions in the bot's messages render, but ping nobody. */
export const NO_PINGS: APIAllowedMentions = { parse: [] };

/** Mentions ping only these members (a fallback message that must reach its requester). */
export function pingOnly(...userIds: string[]): APIAllowedMentions {
	return { parse: [], users: userIds };
}

/** `text` within Discord's limit: cut by code points (never half an emoji), the cut marked with an ellipsis. */
export function fitContent(text: string, limit: number = MESSAGE_CONTENT_LIMIT): string {
	if (text.length <= limit) return text;
	const points = Array.from(text);
	let kept = '';
	for (const point of points) {
		if (kept.length + point.length > limit - 1) break;
		kept += point;
	}
	return `${kept}…`;
}

/**
 * Tells the member something only they see: edits the reply when it was deferred (privately, as every handler that
 * may answer this way defers), follows up ephemerally after a reply, or replies ephemerally.
 */
export async function tellPrivately(interaction: RepliableInteraction, text: string): Promise<void> {
	const content = fitContent(text);
	if (interaction.deferred && !interaction.replied) {
		await interaction.editReply({ content, allowedMentions: NO_PINGS });
	} else if (interaction.replied) {
		await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
	} else {
		await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_PINGS });
	}
}

/** Whether `error` is Discord refusing with this JSON error code. */
export function isDiscordError(error: unknown, code: RESTJSONErrorCodes): error is DiscordAPIError {
	return error instanceof DiscordAPIError && Number(error.code) === code;
}
