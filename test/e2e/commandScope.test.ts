/**
 * Where the slash commands live, across restarts of the real bot on one SQLite store: one scope at a time (a command
 * both global and in a server is listed twice there), and what Discord has, not what the bot remembers, decides
 * whether they are registered again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../src/commands/register.js';
import { startWorld, type World } from './harness.js';

let world: World;

afterEach(async (context) => {
	if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
	await world.close();
});

const sorted = (commands: ReadonlyArray<{ name: string }>): string[] => commands.map((command) => command.name).sort();
const defined = sorted(commandDefinitions());
const global = (): string[] => sorted(world.discord.commands.global);
const inGuild = (): string[] => sorted(world.discord.commands.guild.get(world.discord.ids.guild) ?? []);
/** The names a member of the server sees in the command picker: guild commands and global ones together. */
const seenByMembers = (): string[] => [...global(), ...inGuild()].sort();
const commandWrites = (from: number): string[] =>
	world.discord.requests
		.slice(from)
		.filter((request) => request.method !== 'GET' && request.path.includes('/commands'))
		.map((request) => `${request.method} ${request.path.includes('/guilds/') ? 'guild' : 'global'}`);

describe('slash-command scope across restarts', () => {
	it('moving to DEV_GUILD_ID and back leaves every command listed once, in the scope in use', async () => {
		world = await startWorld();
		expect(global()).toEqual(defined);
		expect(seenByMembers()).toEqual(defined);

		let from = world.discord.requests.length;
		await world.restart({ DEV_GUILD_ID: world.discord.ids.guild });
		expect(inGuild()).toEqual(defined);
		expect(global()).toEqual([]);
		expect(seenByMembers()).toEqual(defined);
		expect(commandWrites(from)).toEqual(['PUT guild', 'PUT global']);

		// Members use them as the server's commands.
		const { token } = world.discord.sendCommand({ name: 'jobs' });
		const answer = await world.discord.waitForRequest(
			(request) => request.method === 'POST' && request.path.endsWith(`/${token}/callback`),
		);
		expect(answer.response.status).toBe(204);

		from = world.discord.requests.length;
		await world.restart({ DEV_GUILD_ID: '' });
		expect(global()).toEqual(defined);
		expect(inGuild()).toEqual([]);
		expect(seenByMembers()).toEqual(defined);
		expect(commandWrites(from)).toEqual(['PUT global', 'PUT guild']);

		// Settled: the next start writes nothing.
		from = world.discord.requests.length;
		await world.restart();
		expect(commandWrites(from)).toEqual([]);
		expect(world.discord.violations).toEqual([]);
	});

	it('a command deleted by hand in Discord is noticed at the next start and registered again', async () => {
		world = await startWorld();
		const imagine = world.discord.commands.global.find((command) => command.name === 'imagine');
		expect(imagine).toBeDefined();
		// As an operator's script or another tool would, with the bot token.
		const deleted = await fetch(
			`${world.discord.apiUrl}/v10/applications/${world.discord.ids.application}/commands/${imagine?.id ?? ''}`,
			{ method: 'DELETE', headers: { authorization: 'Bot operator' } },
		);
		expect(deleted.status).toBe(204);
		expect(global()).not.toContain('imagine');

		const from = world.discord.requests.length;
		await world.restart();
		expect(global()).toEqual(defined);
		expect(commandWrites(from)).toEqual(['PUT global']);
		const registered = world.logs.filter((line) => line['msg'] === 'Slash commands registered').at(-1);
		expect(registered).toMatchObject({ scope: 'global', missing: ['imagine'], extra: [], changed: [] });
		expect(world.discord.violations).toEqual([]);
	});
});
