import { readFileSync } from 'node:fs';
import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { BOT_PERMISSIONS, inviteUrl } from '../../src/discord/invite.js';

describe('the invite link', () => {
	it('asks for exactly the permissions the bot uses', () => {
		expect(new PermissionsBitField(BOT_PERMISSIONS).toArray().sort()).toEqual(
			[
				'ViewChannel',
				'SendMessages',
				'SendMessagesInThreads',
				'EmbedLinks',
				'AttachFiles',
				'ReadMessageHistory',
			].sort(),
		);
		// It reacts to nothing and removes no one's reactions or messages.
		expect(BOT_PERMISSIONS & PermissionFlagsBits.AddReactions).toBe(0n);
		expect(BOT_PERMISSIONS & PermissionFlagsBits.ManageMessages).toBe(0n);
	});

	it('adds the bot and its slash commands', () => {
		const url = new URL(inviteUrl('111111111111111111'));
		expect(`${url.origin}${url.pathname}`).toBe('https://discord.com/oauth2/authorize');
		expect(url.searchParams.get('client_id')).toBe('111111111111111111');
		expect(url.searchParams.get('scope')).toBe('bot applications.commands');
		expect(url.searchParams.get('permissions')).toBe(BOT_PERMISSIONS.toString());
		expect(inviteUrl('111111111111111111')).toContain('&scope=bot+applications.commands&');
	});

	it('is the one the README gives, with the same permission integer', () => {
		const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
		expect(readme).toContain(inviteUrl('<APPLICATION_ID>').replace('%3CAPPLICATION_ID%3E', '<APPLICATION_ID>'));
		expect(readme).toContain(`permission integer \`${BOT_PERMISSIONS}\``);
	});
});
