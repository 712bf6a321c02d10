/**
 * The fake gateway with several shards, driven by real discord.js clients: one session per shard, guilds on the
 * shard Discord's formula gives them, and each event to the shard of its guild (DMs to shard 0).
 */
import { once } from 'node:events';
import { Client, Events, GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes, Partials } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { shardOf, startFakeDiscord } from '../../fakes/discord.js';
import type { FakeDiscord } from '../../fakes/discord.js';

function newClient(fake: FakeDiscord, errors: unknown[], shards: { shards: number[]; shardCount: number }): Client {
	const client = new Client({
		intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
		partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
		rest: { api: fake.apiUrl },
		...shards,
	});
	client.on(Events.Error, (error) => errors.push(error));
	return client;
}

/** Which client (by index) and shard an interaction reaches: the first to get it. */
function arrival(clients: Client[], interactionId: string): Promise<{ client: number; shard: number }> {
	return new Promise((resolve) => {
		const listeners = clients.map((client, index) => {
			const listener = (data: { id: string }, shard: number): void => {
				if (data.id !== interactionId) return;
				clients.forEach((other, at) => other.ws.off(GatewayDispatchEvents.InteractionCreate, listeners[at]!));
				resolve({ client: index, shard });
			};
			client.ws.on(GatewayDispatchEvents.InteractionCreate, listener);
			return listener;
		});
	});
}

describe('fake Discord with two shards, each run by its own client', () => {
	let fake: FakeDiscord;
	const clients: Client[] = [];
	const errors: unknown[] = [];

	beforeAll(async () => {
		fake = await startFakeDiscord({ shards: 2 });
		for (const id of [0, 1]) {
			const client = newClient(fake, errors, { shards: [id], shardCount: 2 });
			const ready = once(client, Events.ClientReady);
			await client.login('fake-bot-token');
			await ready;
			clients.push(client);
		}
	});
	afterEach(() => {
		expect(fake.violations).toEqual([]);
		expect(fake.warnings).toEqual([]);
		expect(errors).toEqual([]);
	});
	afterAll(async () => {
		for (const client of clients) await client.destroy();
		await fake.close();
	});

	it('recommends two shards and places one guild on each', async () => {
		const gateway = (await (
			await fetch(`${fake.apiUrl}/v10/gateway/bot`, { headers: { authorization: 'Bot x' } })
		).json()) as {
			shards: number;
			session_start_limit: { max_concurrency: number };
		};
		expect(gateway.shards).toBe(2);
		expect(gateway.session_start_limit.max_concurrency).toBe(2);
		expect([fake.shardOf(fake.ids.guild), fake.shardOf(fake.ids.guild2), fake.shardOf(null)]).toEqual([0, 1, 0]);
		expect(shardOf(fake.ids.guild2, 1)).toBe(0);
		expect(fake.sessions).toEqual([
			{ shard: [0, 2], connected: true },
			{ shard: [1, 2], connected: true },
		]);
		const [zero, one] = clients;
		expect([...zero!.guilds.cache.keys()]).toEqual([fake.ids.guild]);
		expect([...one!.guilds.cache.keys()]).toEqual([fake.ids.guild2]);
		const guild2 = one!.guilds.cache.get(fake.ids.guild2);
		expect(guild2?.channels.cache.get(fake.ids.channel2)?.name).toBe('general');
		expect(guild2?.members.cache.get(fake.ids.admin)?.permissions.has('ManageGuild')).toBe(true);
		expect(guild2?.members.cache.get(fake.ids.user)?.permissions.has('ManageGuild')).toBe(false);
	});

	it('sends each interaction to the shard of its guild, and DMs to shard 0', async () => {
		const send = async (guildId?: string | null) => {
			const handle = fake.sendCommand({ name: 'imagine', ...(guildId === undefined ? {} : { guildId }) });
			return arrival(clients, handle.id);
		};
		expect(await send(fake.ids.guild2)).toEqual({ client: 1, shard: 1 });
		expect(await send()).toEqual({ client: 0, shard: 0 });
		expect(await send(null)).toEqual({ client: 0, shard: 0 });
	});

	it('announces a new channel of the second guild on shard 1 only', async () => {
		const [, one] = clients;
		const created = once(one!, Events.ChannelCreate);
		const channelId = fake.addTextChannel('art', fake.ids.guild2);
		await created;
		expect(one!.channels.cache.get(channelId)).toBeDefined();
		expect(clients[0]!.channels.cache.get(channelId)).toBeUndefined();
	});

	it('resumes a dropped shard while the other keeps its session', async () => {
		const resumed = fake.waitForResume();
		fake.dropConnection(4000, 1);
		await resumed;
		expect(fake.sessions.map((session) => session.connected)).toEqual([true, true]);
		expect(fake.identifyCount).toBe(2);
	});
});

describe('fake Discord gateway shard checks', () => {
	let fake: FakeDiscord;
	beforeAll(async () => {
		fake = await startFakeDiscord({ shards: 2, validate: false });
	});
	afterAll(async () => {
		await fake.close();
	});

	it('closes with 4010 Invalid shard for a shard id beyond the count', async () => {
		const socket = new WebSocket(`${fake.baseUrl.replace(/^http/, 'ws')}/gateway`);
		await once(socket, 'open');
		socket.send(
			JSON.stringify({ op: GatewayOpcodes.Identify, d: { token: 'x', intents: 1, properties: {}, shard: [2, 2] } }),
		);
		const [code] = (await once(socket, 'close')) as [number];
		expect(code).toBe(4010);
		expect(fake.identifyCount).toBe(0);
		expect(fake.warnings).toEqual(['a gateway client identified with an invalid shard [2,2]']);
	});

	it('refuses to dispatch to a shard no client has identified', async () => {
		const socket = new WebSocket(`${fake.baseUrl.replace(/^http/, 'ws')}/gateway`);
		await once(socket, 'open');
		const identified = fake.waitForIdentify();
		socket.send(
			JSON.stringify({ op: GatewayOpcodes.Identify, d: { token: 'x', intents: 1, properties: {}, shard: [1, 2] } }),
		);
		await identified;
		expect(() => fake.sendCommand({ name: 'imagine' })).toThrow(/no gateway client has identified the shard/);
		expect(fake.sendCommand({ name: 'imagine', guildId: fake.ids.guild2 }).id).toMatch(/^\d+$/);
		socket.close(1000);
		await once(socket, 'close');
	});
});
