import {
	ActionRowBuilder,
	ButtonBuilder,
	ButtonStyle,
	Client,
	ContainerBuilder,
	DiscordAPIError,
	EmbedBuilder,
	Events,
	GatewayIntentBits,
	LabelBuilder,
	MediaGalleryBuilder,
	MessageFlags,
	ModalBuilder,
	Partials,
	REST,
	Routes,
	SlashCommandBuilder,
	TextDisplayBuilder,
	TextInputBuilder,
	TextInputStyle,
} from 'discord.js';
import type { APIMessage, Interaction, MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord } from '../../fakes/discord.js';
import type { FakeDiscord, RecordedRequest } from '../../fakes/discord.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
	'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
	'base64',
);

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
	let resolve: (value: T) => void = () => undefined;
	const promise = new Promise<T>((done) => {
		resolve = done;
	});
	return { promise, resolve };
}

function newClient(fake: FakeDiscord, errors: unknown[]): Client {
	const client = new Client({
		intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
		partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
		rest: { api: fake.apiUrl },
	});
	client.on(Events.Error, (error) => errors.push(error));
	return client;
}

async function login(client: Client): Promise<void> {
	const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
	await client.login('fake-bot-token');
	await ready;
}

/** Runs `run` on the interaction the predicate picks, once, and settles with its result. */
function handleNext<T>(
	client: Client,
	pick: (interaction: Interaction) => boolean,
	run: (interaction: Interaction) => Promise<T>,
): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const listener = (interaction: Interaction): void => {
			if (!pick(interaction)) return;
			client.off(Events.InteractionCreate, listener);
			run(interaction).then(resolve, reject);
		};
		client.on(Events.InteractionCreate, listener);
	});
}

function nextReaction(
	client: Client,
	messageId: string,
): Promise<{ reaction: MessageReaction | PartialMessageReaction; user: User | PartialUser }> {
	return new Promise((resolve) => {
		const listener = (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): void => {
			if (reaction.message.id !== messageId) return;
			client.off(Events.MessageReactionAdd, listener);
			resolve({ reaction, user });
		};
		client.on(Events.MessageReactionAdd, listener);
	});
}

describe('fake Discord driven by a real discord.js client', () => {
	let fake: FakeDiscord;
	let client: Client;
	const errors: unknown[] = [];

	const isCallback = (handle: { id: string; token: string }) => (request: RecordedRequest) =>
		request.method === 'POST' && request.path === `/interactions/${handle.id}/${handle.token}/callback`;
	const originalPath = (token: string): string => `/webhooks/${fake.ids.application}/${token}/messages/@original`;

	beforeAll(async () => {
		fake = await startFakeDiscord();
		client = newClient(fake, errors);
		await login(client);
		await fake.identified;
	});

	afterEach(() => {
		expect(fake.violations).toEqual([]);
		expect(fake.warnings).toEqual([]);
		expect(errors).toEqual([]);
	});

	afterAll(async () => {
		await client.destroy();
		await fake.close();
	});

	it('identifies the client with the guild, its channel and members', () => {
		const guild = client.guilds.cache.get(fake.ids.guild);
		expect(guild?.channels.cache.get(fake.ids.channel)?.name).toBe('general');
		expect(guild?.members.cache.get(fake.ids.admin)?.permissions.has('ManageGuild')).toBe(true);
		expect(guild?.members.cache.get(fake.ids.user)?.permissions.has('ManageGuild')).toBe(false);
		expect(client.user?.id).toBe(fake.ids.bot);
		expect(fake.identifyCount).toBe(1);
	});

	it('registers slash commands built with the builders, and commands then carry their id', async () => {
		const imagine = new SlashCommandBuilder()
			.setName('imagine')
			.setDescription('Generate images')
			.addStringOption((option) =>
				option.setName('prompt').setDescription('What to draw').setRequired(true).setMaxLength(2000),
			)
			.addIntegerOption((option) => option.setName('variety').setDescription('Variety').setMinValue(0).setMaxValue(100))
			.addAttachmentOption((option) => option.setName('image').setDescription('Reference image'));
		const registered = await client.application?.commands.set([imagine.toJSON()], fake.ids.guild);
		const command = registered?.first();
		expect(command?.name).toBe('imagine');
		expect(fake.commands.guild.get(fake.ids.guild)?.map((entry) => entry.id)).toEqual([command?.id]);

		const image = fake.hostAttachment({ filename: 'ref.png', data: PNG });
		const handle = fake.sendCommand({
			name: 'imagine',
			options: [
				{ name: 'prompt', type: 3, value: 'a cat' },
				{ name: 'variety', type: 4, value: 20 },
				{ name: 'image', type: 11, value: image.id },
			],
			attachments: [image],
		});
		const seen = await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.reply({ content: 'ok', flags: MessageFlags.Ephemeral });
				return {
					commandId: interaction.commandId,
					prompt: interaction.options.getString('prompt'),
					variety: interaction.options.getInteger('variety'),
					url: interaction.options.getAttachment('image')?.url,
					member: interaction.inCachedGuild() ? interaction.member.id : undefined,
				};
			},
		);
		expect(seen).toEqual({
			commandId: command?.id,
			prompt: 'a cat',
			variety: 20,
			url: image.url,
			member: fake.ids.user,
		});
		const download = await fetch(image.url);
		expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
	});

	it('records deferReply and an editReply with a file, and serves the file', async () => {
		const handle = fake.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a cat' }] });
		const edited = await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.deferReply();
				return interaction.editReply({ content: 'done', files: [{ attachment: PNG, name: 'a.png' }] });
			},
		);

		const callback = await fake.waitForRequest(isCallback(handle));
		expect(callback.body).toEqual({ type: 5, data: { flags: 0 } });
		expect(callback.auth).toBeUndefined();
		const patch = await fake.waitForRequest(
			(request) => request.method === 'PATCH' && request.path === originalPath(handle.token),
		);
		expect(patch.body).toMatchObject({ content: 'done', tts: false, enforce_nonce: false, attachments: [{ id: '0' }] });
		expect(patch.files).toEqual([{ field: 'files[0]', name: 'a.png', contentType: 'image/png', data: PNG }]);
		expect(patch.auth).toBeUndefined();

		const stored = fake.messages.get(edited.id);
		expect(stored?.content).toBe('done');
		expect(stored?.files.map((file) => file.name)).toEqual(['a.png']);
		const attachment = edited.attachments.first();
		expect(attachment).toMatchObject({
			name: 'a.png',
			contentType: 'image/png',
			size: PNG.length,
			width: 1,
			height: 1,
		});
		expect(attachment?.url.startsWith(`${fake.baseUrl}/attachments/`)).toBe(true);
		const download = await fetch(attachment?.url ?? '');
		expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG);
	});

	it('accepts embeds and buttons, and a Components V2 media gallery, as discord.js sends them', async () => {
		const handle = fake.sendCommand({ name: 'imagine' });
		const [legacy, v2] = await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.deferReply();
				const legacyReply = await interaction.editReply({
					embeds: [
						new EmbedBuilder()
							.setTitle('a cat')
							.setURL('https://example.com/job/1')
							.setImage('attachment://grid.png')
							.setColor(0x5865f2)
							.addFields({ name: 'speed', value: 'fast', inline: true })
							.setFooter({ text: 'requested by alice' })
							.setTimestamp(new Date()),
					],
					components: [
						new ActionRowBuilder<ButtonBuilder>().addComponents(
							new ButtonBuilder().setCustomId('pick:1').setLabel('1').setStyle(ButtonStyle.Secondary),
							new ButtonBuilder().setCustomId('reroll').setEmoji('🔁').setStyle(ButtonStyle.Primary),
							new ButtonBuilder().setURL('https://example.com/full.png').setLabel('Open').setStyle(ButtonStyle.Link),
						),
					],
					files: [{ attachment: PNG, name: 'grid.png' }],
				});
				const v2Reply = await interaction.followUp({
					flags: MessageFlags.IsComponentsV2,
					components: [
						new ContainerBuilder()
							.addTextDisplayComponents(new TextDisplayBuilder().setContent('**a cat**'))
							.addMediaGalleryComponents(
								new MediaGalleryBuilder().addItems((item) => item.setURL('attachment://one.png')),
							),
					],
					files: [{ attachment: PNG, name: 'one.png' }],
				});
				return [legacyReply, v2Reply] as const;
			},
		);
		expect(legacy.embeds[0]?.image?.url).toBe(legacy.attachments.first()?.url);
		expect(legacy.components).toHaveLength(1);
		expect(v2.flags.has(MessageFlags.IsComponentsV2)).toBe(true);
		expect(fake.messages.get(v2.id)?.attachments.map((attachment) => attachment.filename)).toEqual(['one.png']);
	});

	it('rejects a media gallery without the Components V2 flag, as Discord does', async () => {
		const channel = client.channels.cache.get(fake.ids.channel);
		if (!channel?.isSendable()) throw new Error('expected a sendable channel');
		const sent = channel.send({
			components: [new MediaGalleryBuilder().addItems((item) => item.setURL('https://example.com/a.png'))],
		});
		await expect(sent).rejects.toMatchObject({ code: 50035, status: 400 });
		expect(fake.violations).toEqual([expect.stringMatching(/needs the IS_COMPONENTS_V2 flag/)]);
		fake.violations.length = 0;
	});

	it('turns the first followUp after deferReply into an edit of the thinking message', async () => {
		const handle = fake.sendCommand({ name: 'imagine' });
		const [followUp, original] = await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.deferReply({ flags: MessageFlags.Ephemeral });
				const message = await interaction.followUp({ content: 'result' });
				return [message, await interaction.fetchReply()] as const;
			},
		);
		expect(followUp.id).toBe(original.id);
		expect(original.content).toBe('result');
		expect(original.flags.has(MessageFlags.Ephemeral)).toBe(true);
	});

	it('records a schema violation for an invalid body', async () => {
		const handle = fake.sendCommand({ name: 'imagine' });
		await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.deferReply();
			},
		);
		await client.rest.patch(Routes.webhookMessage(fake.ids.application, handle.token, '@original'), {
			body: { content: 42, embeds: [{ title: 'still valid' }] },
			auth: false,
		});
		expect(fake.violations).toEqual([`PATCH ${originalPath(handle.token)}: /content must be string,null`]);
		fake.violations.length = 0;
	});

	it('rejects a second acknowledgement with 40060', async () => {
		const handle = fake.sendCommand({ name: 'imagine' });
		await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.reply('first');
			},
		);
		const again = client.rest.post(Routes.interactionCallback(handle.id, handle.token), {
			body: { type: 4, data: { content: 'second' } },
			auth: false,
		});
		await expect(again).rejects.toMatchObject({ code: 40060, status: 400 });
	});

	it('answers 401 / 50027 once a token has expired, without logging the bot out', async () => {
		const handle = fake.sendCommand({ name: 'imagine' });
		const expired = deferred();
		const outcome = handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.deferReply();
				await expired.promise;
				return interaction.editReply('too late').then(
					() => undefined,
					(error: unknown) => error,
				);
			},
		);
		await fake.waitForRequest(isCallback(handle));
		fake.expireToken(handle.token);
		expired.resolve();
		const error = await outcome;
		expect(error).toBeInstanceOf(DiscordAPIError);
		expect(error).toMatchObject({ code: 50027, status: 401 });
		const user = await client.users.fetch(fake.ids.user, { force: true });
		expect(user.username).toBe('alice');
	});

	it('keeps attachment metadata sent with string ids (as the OpenAPI document types them)', async () => {
		const message = (await client.rest.post(Routes.channelMessages(fake.ids.channel), {
			body: { content: 'grid', attachments: [{ id: '0', filename: 'grid.png', description: 'four images' }] },
			files: [{ name: 'upload.png', data: PNG }],
		})) as APIMessage;
		expect(message.attachments).toMatchObject([{ filename: 'grid.png', description: 'four images', size: PNG.length }]);
	});

	it('answers injected failures, including a 429 that discord.js waits out', async () => {
		const channel = client.channels.cache.get(fake.ids.channel);
		if (!channel?.isSendable()) throw new Error('expected a sendable channel');
		const isPost = (request: RecordedRequest): boolean =>
			request.method === 'POST' && request.path === `/channels/${fake.ids.channel}/messages`;
		fake.failNext(isPost, { status: 403, body: { message: 'Missing Access', code: 50001 } });
		await expect(channel.send('nope')).rejects.toMatchObject({ code: 50001, status: 403 });

		const before = fake.requests.length;
		fake.failNext(isPost, {
			status: 429,
			body: { message: 'You are being rate limited.', retry_after: 0.05, global: false },
			headers: { 'retry-after': '0.05', 'x-ratelimit-scope': 'user' },
		});
		const sent = await channel.send('after the limit');
		expect(
			fake.requests
				.slice(before)
				.filter(isPost)
				.map((request) => request.response.status),
		).toEqual([429, 200]);
		expect(fake.messages.get(sent.id)?.content).toBe('after the limit');
	});

	it('supports delivery fallbacks: editing the reply as the bot, a new message, a removed channel', async () => {
		const handle = fake.sendCommand({ name: 'imagine' });
		const reply = await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.deferReply();
				return interaction.editReply('working');
			},
		);
		fake.expireToken(handle.token);
		const edited = (await client.rest.patch(Routes.channelMessage(fake.ids.channel, reply.id), {
			body: { content: 'done' },
		})) as APIMessage;
		expect(edited.content).toBe('done');
		expect(edited.interaction_metadata).toMatchObject({ id: handle.id, user: { id: fake.ids.user } });

		fake.messages.delete(reply.id);
		const gone = client.rest.patch(Routes.channelMessage(fake.ids.channel, reply.id), { body: { content: 'x' } });
		await expect(gone).rejects.toMatchObject({ code: 10008, status: 404 });

		const created = new Promise<string>((resolve) =>
			client.once(Events.ChannelCreate, (channel) => resolve(channel.id)),
		);
		const temporary = fake.addTextChannel('jobs');
		expect(await created).toBe(temporary);
		const deleted = new Promise<string>((resolve) =>
			client.once(Events.ChannelDelete, (channel) => resolve(channel.id)),
		);
		fake.removeChannel(temporary);
		expect(await deleted).toBe(temporary);
		const post = client.rest.post(Routes.channelMessages(temporary), { body: { content: `<@${fake.ids.user}> done` } });
		await expect(post).rejects.toMatchObject({ code: 10003, status: 404 });
	});

	it('delivers reactions on cached and uncached messages', async () => {
		const channel = client.channels.cache.get(fake.ids.channel);
		if (!channel?.isSendable()) throw new Error('expected a sendable channel');
		const sent = await channel.send('result');
		const cached = nextReaction(client, sent.id);
		fake.sendReaction({ messageId: sent.id, emoji: { id: null, name: '🎨' } });
		const first = await cached;
		expect(first.reaction.emoji.name).toBe('🎨');
		expect(first.user.id).toBe(fake.ids.user);
		expect(first.reaction.message.partial).toBe(false);

		const raw = (await client.rest.post(Routes.channelMessages(fake.ids.channel), {
			body: { content: 'old result' },
		})) as APIMessage;
		const uncached = nextReaction(client, raw.id);
		fake.sendReaction({ messageId: raw.id, emoji: { id: null, name: '1️⃣' }, bot: true });
		const second = await uncached;
		expect(second.reaction.message.partial).toBe(true);
		expect(second.user.id).toBe(fake.ids.otherBot);
		expect(second.user.bot).toBe(true);

		await sent.react('✉️');
		expect(
			fake.messages.get(sent.id)?.reactions?.map((reaction) => [reaction.emoji.name, reaction.count, reaction.me]),
		).toEqual([
			['🎨', 1, false],
			['✉️', 1, true],
		]);
	});

	it('routes a button click to a modal and the modal submit to an update', async () => {
		const channel = client.channels.cache.get(fake.ids.channel);
		if (!channel?.isSendable()) throw new Error('expected a sendable channel');
		const sent = await channel.send({
			content: 'a cat',
			components: [
				new ActionRowBuilder<ButtonBuilder>().addComponents(
					new ButtonBuilder().setCustomId('remix').setLabel('Remix').setStyle(ButtonStyle.Primary),
				),
			],
		});
		const click = fake.sendComponent({ messageId: sent.id, customId: 'remix' });
		await handleNext(
			client,
			(interaction) => interaction.id === click.id,
			async (interaction) => {
				if (!interaction.isButton()) throw new Error('expected a button');
				expect(interaction.message.id).toBe(sent.id);
				await interaction.showModal(
					new ModalBuilder()
						.setCustomId('remix-modal')
						.setTitle('Remix')
						.addLabelComponents(
							new LabelBuilder()
								.setLabel('Prompt')
								.setTextInputComponent(new TextInputBuilder().setCustomId('prompt').setStyle(TextInputStyle.Paragraph)),
						),
				);
			},
		);
		const modal = await fake.waitForRequest(isCallback(click));
		expect(modal.body).toMatchObject({ type: 9, data: { custom_id: 'remix-modal' } });

		const submit = fake.sendModalSubmit({ customId: 'remix-modal', fields: { prompt: 'a dog' } });
		const value = await handleNext(
			client,
			(interaction) => interaction.id === submit.id,
			async (interaction) => {
				if (!interaction.isModalSubmit() || !interaction.isFromMessage())
					throw new Error('expected a modal submit from a message');
				const prompt = interaction.fields.getTextInputValue('prompt');
				await interaction.update({ content: `remixing: ${prompt}`, components: [] });
				return prompt;
			},
		);
		expect(value).toBe('a dog');
		expect(fake.messages.get(sent.id)?.content).toBe('remixing: a dog');
	});

	it('lets the client resume after a dropped connection', async () => {
		const resumed = fake.waitForResume();
		const shardResume = new Promise<void>((resolve) => client.once(Events.ShardResume, () => resolve()));
		fake.dropConnection(4000);
		await resumed;
		await shardResume;
		const handle = fake.sendCommand({ name: 'imagine' });
		const replied = await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				await interaction.reply('still here');
				return true;
			},
		);
		expect(replied).toBe(true);
	});

	it('serves a second client after the first one is destroyed', async () => {
		await client.destroy();
		const identify = fake.waitForIdentify();
		client = newClient(fake, errors);
		await login(client);
		await identify;
		expect(fake.identifyCount).toBe(2);
		const handle = fake.sendCommand({ name: 'imagine', guildId: null });
		await handleNext(
			client,
			(interaction) => interaction.id === handle.id,
			async (interaction) => {
				if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
				expect(interaction.inGuild()).toBe(false);
				await interaction.reply({ content: 'pong from DM' });
			},
		);
		const callback = await fake.waitForRequest(isCallback(handle));
		expect(callback.body).toMatchObject({ type: 4, data: { content: 'pong from DM' } });
		const dm = await client.users.createDM(fake.ids.user);
		expect(dm.id).toBe(fake.dmChannelId(fake.ids.user));
		const message = await dm.send('your result');
		expect(fake.messages.get(message.id)?.channel_id).toBe(dm.id);
	});
});

describe('fake Discord REST without a gateway client', () => {
	let fake: FakeDiscord;
	let rest: REST;

	beforeAll(async () => {
		fake = await startFakeDiscord({ uploadLimitBytes: 10 });
		rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken('fake-bot-token');
	});

	afterAll(async () => {
		await fake.close();
	});

	it('answers 413 / 40005 for a file over the upload limit', async () => {
		const sent = rest.post(Routes.channelMessages(fake.ids.channel), { files: [{ name: 'big.png', data: PNG }] });
		await expect(sent).rejects.toMatchObject({ code: 40005, status: 413 });
		expect(fake.violations).toEqual([]);
	});

	it('answers 404 for unknown routes and channels, and reports them', async () => {
		await expect(rest.get('/nowhere')).rejects.toMatchObject({ code: 0, status: 404 });
		await expect(rest.get(Routes.channel('undefined'))).rejects.toMatchObject({ code: 10003, status: 404 });
		expect(fake.violations).toEqual([
			'unknown route GET /nowhere',
			'GET /channels/undefined: path parameter channel_id="undefined": must match pattern "^(0|[1-9][0-9]*)$"',
		]);
	});

	it('serves a member who left, closed DMs and Integrations settings as Discord does', async () => {
		const { application, guild, moderator, admin, user } = fake.ids;
		const violations = fake.violations.length;
		expect(await rest.get(Routes.guildMember(guild, moderator))).toMatchObject({ user: { id: moderator } });
		fake.removeMember(moderator);
		await expect(rest.get(Routes.guildMember(guild, moderator))).rejects.toMatchObject({ code: 10007, status: 404 });
		expect(await rest.get(Routes.guildMember(fake.ids.guild2, moderator))).toMatchObject({ user: { id: moderator } });

		fake.closeDms(admin);
		const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: admin } })) as { id: string };
		const closed = rest.post(Routes.channelMessages(dm.id), { body: { content: 'hello' } });
		await expect(closed).rejects.toMatchObject({ code: 50007, status: 403 });

		expect(await rest.get(Routes.guildApplicationCommandsPermissions(application, guild))).toEqual([]);
		const entry = { id: user, type: 2, permission: false };
		fake.setCommandPermissions(guild, application, [entry]);
		expect(await rest.get(Routes.guildApplicationCommandsPermissions(application, guild))).toEqual([
			{ id: application, application_id: application, guild_id: guild, permissions: [entry] },
		]);
		expect(await rest.get(Routes.applicationCommandPermissions(application, guild, application))).toMatchObject({
			permissions: [entry],
		});
		await expect(
			rest.get(Routes.applicationCommandPermissions(application, fake.ids.guild2, application)),
		).rejects.toMatchObject({ code: 10066, status: 404 });
		expect(() => fake.setCommandPermissions(guild, '123456789012345678', [entry])).toThrow(/unknown/);
		expect(fake.violations.slice(violations)).toEqual([]);
	});

	it('refuses to dispatch without a gateway client, and answers 401 for an unknown interaction token', async () => {
		expect(() => fake.sendCommand({ name: 'imagine' })).toThrow(/no gateway client has identified/);
		await expect(
			rest.patch(Routes.webhookMessage(fake.ids.application, 'no-such-token', '@original'), {
				body: { content: 'x' },
				auth: false,
			}),
		).rejects.toMatchObject({ code: 50027, status: 401 });
	});
});

describe('fake Discord: nonces, message history and emoji', () => {
	let fake: FakeDiscord;
	let rest: REST;

	beforeAll(async () => {
		fake = await startFakeDiscord();
		rest = new REST({ api: fake.apiUrl, retries: 0 }).setToken('fake-bot-token');
	});

	afterAll(async () => {
		await fake.close();
	});

	const post = async (body: Record<string, unknown>) =>
		(await rest.post(Routes.channelMessages(fake.ids.channel), { body })) as APIMessage;

	it('answers a repeated enforce_nonce post with the message already made, and echoes the nonce only then', async () => {
		const first = await post({ content: 'once', nonce: 'job-1:channel', enforce_nonce: true });
		const again = await post({ content: 'once', nonce: 'job-1:channel', enforce_nonce: true });
		expect(again.id).toBe(first.id);
		expect(first.nonce).toBe('job-1:channel');
		const unenforced = await post({ content: 'twice', nonce: 'job-1:channel' });
		expect(unenforced.id).not.toBe(first.id);
		const fetched = (await rest.get(Routes.channelMessage(fake.ids.channel, first.id))) as APIMessage;
		expect(fetched.nonce).toBeUndefined();
		expect(fake.violations).toEqual([]);
	});

	it('lists the messages just after a given id, newest first', async () => {
		const marks = [];
		for (const content of ['a', 'b', 'c']) marks.push(await post({ content }));
		const listed = (await rest.get(Routes.channelMessages(fake.ids.channel), {
			query: new URLSearchParams({ after: marks[0]!.id, limit: '1' }),
		})) as APIMessage[];
		expect(listed.map((message) => message.content)).toEqual(['b']);
		const newest = (await rest.get(Routes.channelMessages(fake.ids.channel), {
			query: new URLSearchParams({ after: marks[0]!.id }),
		})) as APIMessage[];
		expect(newest.map((message) => message.content)).toEqual(['c', 'b']);
	});

	it('lists a guild’s emoji, and refuses buttons with an emoji no guild has', async () => {
		const id = fake.addEmoji('spin');
		const listed = (await rest.get(Routes.guildEmojis(fake.ids.guild))) as Array<{ id: string; name: string }>;
		expect(listed).toMatchObject([{ id, name: 'spin' }]);
		const button = (emojiId: string) => ({
			content: 'x',
			components: [
				{ type: 1, components: [{ type: 2, style: 2, custom_id: 'b', emoji: { id: emojiId, name: 'spin' } }] },
			],
		});
		await expect(post(button(id))).resolves.toMatchObject({ content: 'x' });
		fake.removeEmoji(id);
		expect(await rest.get(Routes.guildEmojis(fake.ids.guild))).toEqual([]);
		const refused = post(button(id));
		await expect(refused).rejects.toMatchObject({ code: 50035, status: 400 });
		await expect(refused).rejects.toThrow(
			/components\[0\]\.components\[0\]\.emoji\.id\[BUTTON_COMPONENT_INVALID_EMOJI\]/,
		);
		// Refused for what the world holds, not for a mistake in the request.
		expect(fake.violations).toEqual([]);
	});
});
