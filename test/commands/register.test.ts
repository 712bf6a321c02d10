import { REST } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type RecordedRequest } from '../../fakes/discord.js';
import { commandDefinitions, registerCommands, type RegisterOptions } from '../../src/commands/register.js';
import { createLogger } from '../../src/logger.js';
import { createStore, type Store } from '../../src/store/store.js';
import { logSink } from '../e2e/harness.js';

/** A server the bot is not in: Discord answers its command routes with Unknown Guild. */
const LEFT_GUILD = '999999999999999999';

describe('registerCommands against the fake Discord', () => {
	let discord: FakeDiscord;
	let rest: REST;
	let store: Store;
	let logs: Array<Record<string, unknown>>;
	let base: RegisterOptions;

	beforeEach(async () => {
		discord = await startFakeDiscord();
		rest = new REST({ api: discord.apiUrl, retries: 0 }).setToken('t');
		store = createStore('memory://');
		logs = [];
		base = {
			rest,
			applicationId: discord.ids.application,
			guildId: undefined,
			store,
			logger: createLogger('debug', logSink(logs)),
		};
	});

	afterEach(async () => {
		rest.clearHashSweeper();
		rest.clearHandlerSweeper();
		await store.close();
		expect(discord.violations).toEqual([]);
		await discord.close();
	});

	const names = (commands: ReadonlyArray<{ name: string }>): string[] => commands.map((command) => command.name).sort();
	const defined = names(commandDefinitions());
	const global = (): string[] => names(discord.commands.global);
	const inGuild = (guildId: string): string[] => names(discord.commands.guild.get(guildId) ?? []);
	/** The command routes' requests since `from`, as `METHOD scope`. */
	const calls = (from = 0): string[] =>
		discord.requests
			.slice(from)
			.filter((request) => /\/commands$/.test(request.path))
			.map((request) => `${request.method} ${scopeOf(request)}`);
	const scopeOf = (request: RecordedRequest): string => {
		const guild = /\/guilds\/(\d+)\//.exec(request.path)?.[1];
		return guild === undefined
			? 'global'
			: guild === discord.ids.guild
				? 'guild'
				: guild === discord.ids.guild2
					? 'guild2'
					: guild;
	};

	it('registers globally, then only reads what Discord has while it matches', async () => {
		await expect(registerCommands(base)).resolves.toBe('registered');
		expect(global()).toEqual(defined);
		expect(logs.find((line) => line['msg'] === 'Slash commands registered')).not.toHaveProperty('missing');
		const from = discord.requests.length;
		await expect(registerCommands(base)).resolves.toBe('unchanged');
		expect(calls(from)).toEqual(['GET global']);
		// Asked with the localisations, which are part of a definition.
		expect(discord.requests.at(-1)?.query.get('with_localizations')).toBe('true');
	});

	it('registers again when forced', async () => {
		await registerCommands(base);
		const from = discord.requests.length;
		await expect(registerCommands({ ...base, force: true })).resolves.toBe('registered');
		expect(calls(from)).toEqual(['GET global', 'PUT global']);
	});

	it('notices a command deleted by hand, and registers the commands again', async () => {
		await registerCommands(base);
		const imagine = discord.commands.global.find((command) => command.name === 'imagine');
		await rest.delete(`/applications/${discord.ids.application}/commands/${imagine?.id ?? ''}`);
		expect(global()).not.toContain('imagine');

		await expect(registerCommands(base)).resolves.toBe('registered');
		expect(global()).toEqual(defined);
		expect(logs.filter((line) => line['msg'] === 'Slash commands registered').at(-1)).toMatchObject({
			missing: ['imagine'],
			extra: [],
			changed: [],
		});
	});

	it('notices a definition changed (another version of the bot) and a command it does not define', async () => {
		await registerCommands(base);
		const jobs = discord.commands.global.find((command) => command.name === 'jobs');
		await rest.patch(`/applications/${discord.ids.application}/commands/${jobs?.id ?? ''}`, {
			body: { description: 'An old description' },
		});
		await rest.post(`/applications/${discord.ids.application}/commands`, {
			body: { name: 'old-command', description: 'From an older version', type: 1 },
		});

		await expect(registerCommands(base)).resolves.toBe('registered');
		expect(global()).toEqual(defined);
		expect(logs.filter((line) => line['msg'] === 'Slash commands registered').at(-1)).toMatchObject({
			missing: [],
			extra: ['old-command'],
			changed: ['jobs'],
		});
	});

	it('does not count what Discord adds on its own as a change', async () => {
		await registerCommands(base);
		// What Discord answers beyond what it was sent: ids, versions, defaults of fields left unset.
		for (const command of discord.commands.global) {
			Object.assign(command, { dm_permission: true, integration_types: [0], name_localizations: null, nsfw: false });
		}
		const from = discord.requests.length;
		await expect(registerCommands(base)).resolves.toBe('unchanged');
		expect(calls(from)).toEqual(['GET global']);
	});

	it('moving to a server (DEV_GUILD_ID) empties the global scope, and moving back empties the server', async () => {
		await registerCommands(base);
		expect(global()).toEqual(defined);

		let from = discord.requests.length;
		await expect(registerCommands({ ...base, guildId: discord.ids.guild })).resolves.toBe('registered');
		expect(inGuild(discord.ids.guild)).toEqual(defined);
		expect(global()).toEqual([]);
		expect(calls(from)).toEqual(['GET guild', 'PUT guild', 'GET global', 'PUT global']);

		// Settled: one read of each scope, nothing written.
		from = discord.requests.length;
		await expect(registerCommands({ ...base, guildId: discord.ids.guild })).resolves.toBe('unchanged');
		expect(calls(from)).toEqual(['GET guild', 'GET global']);

		from = discord.requests.length;
		await expect(registerCommands(base)).resolves.toBe('registered');
		expect(global()).toEqual(defined);
		expect(inGuild(discord.ids.guild)).toEqual([]);
		expect(calls(from)).toEqual(['GET global', 'PUT global', 'PUT guild']);

		// The server is forgotten once emptied.
		from = discord.requests.length;
		await expect(registerCommands(base)).resolves.toBe('unchanged');
		expect(calls(from)).toEqual(['GET global']);
	});

	it('moving from one server to another empties the first', async () => {
		await registerCommands({ ...base, guildId: discord.ids.guild });
		await registerCommands({ ...base, guildId: discord.ids.guild2 });
		expect(inGuild(discord.ids.guild2)).toEqual(defined);
		expect(inGuild(discord.ids.guild)).toEqual([]);
		expect(global()).toEqual([]);
	});

	it('forgets a server the bot is not in, after Discord refused to register there', async () => {
		await expect(registerCommands({ ...base, guildId: LEFT_GUILD })).rejects.toThrow(/Unknown Guild/);
		await expect(registerCommands(base)).resolves.toBe('registered');
		const from = discord.requests.length;
		await registerCommands(base);
		expect(calls(from)).toEqual(['GET global']);
	});

	it('keeps a scope it could not empty for the next start, and still registers', async () => {
		await registerCommands({ ...base, guildId: discord.ids.guild });
		discord.failNext((request) => request.method === 'PUT' && request.path.includes(`/guilds/${discord.ids.guild}/`), {
			status: 500,
			body: { message: '500: Internal Server Error', code: 0 },
		});
		await expect(registerCommands(base)).resolves.toBe('registered');
		expect(inGuild(discord.ids.guild)).toEqual(defined);
		expect(logs.some((line) => line['msg'] === 'Could not remove slash commands from a scope no longer used')).toBe(
			true,
		);

		await expect(registerCommands(base)).resolves.toBe('unchanged');
		expect(inGuild(discord.ids.guild)).toEqual([]);
	});

	it('does not hide a registration Discord refused: the next start tries again', async () => {
		discord.failNext((request) => request.method === 'PUT', {
			status: 400,
			body: { code: 50035, message: 'Invalid Form Body' },
		});
		await expect(registerCommands(base)).rejects.toThrow(/Invalid Form Body/);
		expect(global()).toEqual([]);
		await expect(registerCommands(base)).resolves.toBe('registered');
		expect(global()).toEqual(defined);
	});
});
