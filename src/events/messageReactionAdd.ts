import { Events } from 'discord.js';
import type { Event } from './types.js';

/** Reactions on results act on them (1️⃣–4️⃣ 🎨 🎬 🔁 ❌ ✉️); partials make this work on messages from before a restart. */
export default {
	name: Events.MessageReactionAdd,
	async execute(context, reaction, user) {
		await context.actions.handleReaction(reaction, user);
	},
} satisfies Event<Events.MessageReactionAdd>;
