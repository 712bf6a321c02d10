/**
 * The one way the bot answers Discord: messages cut to Discord's limits, mentions that never ping unless a caller
 * names who to ping, and private answers that take whichever of reply, edit or follow-up the interaction still allows.
 */
import {
	DiscordAPIError,
	MessageFlags,
	type APIActionRowComponent,
	type APIAllowedMentions,
	type APIComponentInMessageActionRow,
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

/** What a private answer holds: words, and buttons to act on them. */
export interface PrivateAnswer {
	content: string;
	components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

/**
 * Tells the member something only they see: replies ephemerally, follows up ephemerally after a reply, or edits a
 * reply deferred privately. A reply deferred in public (a generating command is acknowledged before it is decided) is
 * still an empty "thinking…": it is deleted first, as the first follow-up would otherwise take its place, in public.
 * The follow-up goes whatever came of the deletion: refused, the "thinking…" becomes the answer (better said in public
 * than not at all); landed but its answer lost, the answer is a message of its own.
 */
export async function answerPrivately(interaction: RepliableInteraction, answer: PrivateAnswer): Promise<void> {
	const message = { ...answer, content: fitContent(answer.content), allowedMentions: NO_PINGS };
	if (interaction.replied) {
		await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
	} else if (!interaction.deferred) {
		await interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
	} else if (interaction.ephemeral === false) {
		await interaction.deleteReply().catch(() => undefined);
		await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
	} else {
		await interaction.editReply(message);
	}
}

/** {@link answerPrivately} with words only. */
export async function tellPrivately(interaction: RepliableInteraction, text: string): Promise<void> {
	await answerPrivately(interaction, { content: text });
}

/** Whether `error` is Discord refusing with this JSON error code. */
export function isDiscordError(error: unknown, code: RESTJSONErrorCodes): error is DiscordAPIError {
	return error instanceof DiscordAPIError && Number(error.code) === code;
}
