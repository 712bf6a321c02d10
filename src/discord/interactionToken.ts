/**
 * An interaction's token lets the bot edit its reply without any permission in the channel, for a limited time.
 */
import type { BaseInteraction } from 'discord.js';
import type { InteractionHandle } from '../jobs/types.js';

/** Interaction tokens are valid for 15 minutes from the interaction's creation. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
/** An edit is not started with a token that expires within this long: it could die half-way. */
export const TOKEN_SAFETY_MARGIN_MS = 60_000;

/** What a job keeps of the interaction it was started by, to answer through its token while it lives. */
export function interactionHandle(
	interaction: Pick<BaseInteraction, 'applicationId' | 'token' | 'createdTimestamp'>,
): InteractionHandle {
	return {
		applicationId: interaction.applicationId,
		token: interaction.token,
		expiresAt: interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS,
	};
}

/** Whether the token can still be used for an edit that starts at `now`. */
export function tokenUsable(handle: InteractionHandle | undefined, now: number): handle is InteractionHandle {
	return handle !== undefined && now < handle.expiresAt - TOKEN_SAFETY_MARGIN_MS;
}
