import { describe, expect, it } from 'vitest';
import { DEFAULT_EMOJI_NOTE, helpEmbed } from '../../src/commands/help.js';
import { COMMANDS } from '../../src/commands/index.js';
import { ACTION_EMOJI } from '../../src/settings/actionEmoji.js';

const definitions = COMMANDS.map((command) => command.data.toJSON());

describe('the /help embed', () => {
	it('fits Discord’s embed limits, with a server’s longest custom emoji everywhere', () => {
		const custom = `<a:${'x'.repeat(32)}:12345678901234567890>`;
		const emoji = {
			pick: [custom, custom, custom, custom] as const,
			remix: custom,
			animate: custom,
			reroll: custom,
			delete: custom,
			vary: custom,
			upscale: custom,
			extend: custom,
			dm: custom,
		};
		const embed = helpEmbed(definitions, emoji, DEFAULT_EMOJI_NOTE);
		expect(embed.title?.length).toBeLessThanOrEqual(256);
		// An embed's description holds 4096 characters, and all of a message's embeds 6000.
		expect(embed.description?.length).toBeLessThanOrEqual(4096);
		expect((embed.title?.length ?? 0) + (embed.description?.length ?? 0)).toBeLessThanOrEqual(6000);
	});

	it('lists every command, with its sub-commands', () => {
		const description = helpEmbed(definitions, ACTION_EMOJI).description ?? '';
		for (const definition of definitions) expect(description).toContain(`\`/${definition.name}\``);
		expect(description).toContain(
			'`/settings` — Your own defaults for the generation options in this server: `show` · `set` · `reset`',
		);
	});

	it('says when it shows the default emoji because the server’s could not be read', () => {
		expect(helpEmbed(definitions, ACTION_EMOJI, DEFAULT_EMOJI_NOTE).description).toContain(`-# ${DEFAULT_EMOJI_NOTE}`);
		expect(helpEmbed(definitions, ACTION_EMOJI).description).not.toContain(DEFAULT_EMOJI_NOTE);
	});

	it('says when the server chose its own emoji, and not otherwise', () => {
		const own = helpEmbed(definitions, { ...ACTION_EMOJI, pick: ['🅰️', '🅱️', '3️⃣', '4️⃣'] }).description ?? '';
		expect(own).toContain('🅰️ 🅱️ 3️⃣ 4️⃣ on four images');
		expect(own).toContain('its own emoji');
		expect(helpEmbed(definitions, { ...ACTION_EMOJI }).description).not.toContain('its own emoji');
	});
});
