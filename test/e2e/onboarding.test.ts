/**
 * A newcomer's first minutes, end to end: the invite link the bot logs when it starts, and `/help` through the fake
 * Discord, with the server's own emoji once an admin chose them.
 */
import type { APIEmbed } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { commandDefinitions } from '../../src/commands/register.js';
import { BOT_PERMISSIONS } from '../../src/discord/invite.js';
import { ACTION_EMOJI } from '../../src/settings/actionEmoji.js';
import { startWorld, type World } from './harness.js';

const EPHEMERAL = 64;
const DEFERRED_CHANNEL_MESSAGE = 5;
const SUB = 1;
const STRING = 3;

let world: World;

afterEach(async (context) => {
	if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
	await world.close();
});

/** Sends `/help` as `userId` and resolves with the acknowledgement and the help it was edited into. */
async function help(userId?: string): Promise<{ acknowledgement: RecordedRequest; embeds: APIEmbed[] }> {
	const from = world.discord.requests.length;
	const { token } = world.discord.sendCommand({ name: 'help', ...(userId === undefined ? {} : { userId }) });
	const acknowledgement = await world.discord.waitForRequest(
		(request) => request.method === 'POST' && request.path.endsWith(`/${token}/callback`),
		5000,
		from,
	);
	const edit = await world.discord.waitForRequest(
		(request) => request.method === 'PATCH' && request.path.endsWith(`/${token}/messages/@original`),
		5000,
		from,
	);
	return { acknowledgement, embeds: (edit.body as { embeds?: APIEmbed[] }).embeds ?? [] };
}

describe('the invite link', () => {
	it('is logged once at start, for this application, with the permissions the bot uses', async () => {
		world = await startWorld();
		const lines = world.logs.filter((line) => typeof line['inviteUrl'] === 'string');
		expect(lines).toHaveLength(1);
		const expected =
			`https://discord.com/oauth2/authorize?client_id=${world.discord.ids.application}` +
			`&scope=bot+applications.commands&permissions=${BOT_PERMISSIONS}`;
		expect(lines[0]).toMatchObject({ level: 30, inviteUrl: expected });
		expect(String(lines[0]?.['msg'])).toContain(expected);
	});
});

describe('/help', () => {
	it('answers privately with what the bot does, every command and the default emoji', async () => {
		world = await startWorld();
		const { acknowledgement, embeds } = await help();
		const body = acknowledgement.body as { type: number; data?: { flags?: number } };
		expect(body.type).toBe(DEFERRED_CHANNEL_MESSAGE);
		expect((body.data?.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);

		expect(embeds).toHaveLength(1);
		const description = embeds[0]?.description ?? '';
		expect(description).toContain('Midjourney');
		for (const definition of commandDefinitions()) {
			expect(description).toContain(`\`/${definition.name}\` — ${definition.description}`);
		}
		expect(description).toContain('`show` · `set` · `emoji` · `api_key` · `blocked_words` · `reset`');
		for (const emoji of [...ACTION_EMOJI.pick, ACTION_EMOJI.remix, ACTION_EMOJI.animate, ACTION_EMOJI.reroll]) {
			expect(description).toContain(emoji);
		}
		expect(description).toContain(`${ACTION_EMOJI.dm} as a reaction`);
		expect(description).not.toContain('its own emoji');
		expect(world.mj.generateRequests).toHaveLength(0);
		expect(world.discord.violations).toEqual([]);
	});

	it('shows the server’s own emoji once an admin chose them', async () => {
		world = await startWorld();
		const spin = `<:spin:${world.discord.addEmoji('spin')}>`;
		const { token } = world.discord.sendCommand({
			name: 'server-settings',
			userId: world.discord.ids.admin,
			options: [
				{
					name: 'emoji',
					type: SUB,
					options: [
						{ name: 'reroll', type: STRING, value: spin },
						{ name: 'remix', type: STRING, value: '🖌️' },
					],
				},
			],
		});
		// Deferred privately, then edited into its answer.
		const saved = await world.discord.waitForRequest(
			(request) => request.method === 'PATCH' && request.path.endsWith(`/${token}/messages/@original`),
		);
		expect(JSON.stringify(saved.body)).toContain('Saved');

		const description = (await help()).embeds[0]?.description ?? '';
		expect(description).toContain(`${spin} on any result: the same request again`);
		expect(description).toContain('🖌️ Remix, on one image');
		expect(description).not.toContain(`${ACTION_EMOJI.reroll} on any result`);
		expect(description).toContain('its own emoji');
		expect(world.discord.violations).toEqual([]);
	});
});
