/**
 * The fakes' opt-in abilities the playground uses: pictures of the prompt, a hook on new tasks, an interceptor and
 * latency on the provider; listeners and the guild's directory on Discord. Off by default: the other tests rely on
 * the fakes behaving as before.
 */
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type StoredMessage } from '../../fakes/discord.js';
import { PNG_SIGNATURE, startFakeMidjourney, type FakeMidjourney, type FakeTask } from '../../fakes/midjourney.js';
import { drawableText, promptImage, tileSize } from '../../fakes/promptImage.js';

/** Width, height and the (unfiltered) RGB rows of a PNG the fakes made. */
function decodePng(png: Buffer): { width: number; height: number; rows: Buffer } {
	expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
	const width = png.readUInt32BE(16);
	const height = png.readUInt32BE(20);
	const chunks: Buffer[] = [];
	for (let offset = 8; offset < png.length;) {
		const length = png.readUInt32BE(offset);
		if (png.toString('latin1', offset + 4, offset + 8) === 'IDAT')
			chunks.push(png.subarray(offset + 8, offset + 8 + length));
		offset += 12 + length;
	}
	return { width, height, rows: inflateSync(Buffer.concat(chunks)) };
}

describe('pictures of a prompt', () => {
	it('are real PNGs, shaped by the aspect ratio, the same for the same prompt and variant', () => {
		const square = decodePng(promptImage('a red fox', 0));
		expect([square.width, square.height]).toEqual([512, 512]);
		expect(square.rows).toHaveLength(512 * (1 + 512 * 3));
		const wide = decodePng(promptImage('a red fox', 0, '16:9'));
		expect([wide.width, wide.height]).toEqual([512, 288]);
		expect(tileSize('2:3')).toEqual({ width: 341, height: 512 });
		expect(tileSize('nonsense')).toEqual({ width: 512, height: 512 });

		expect(promptImage('a red fox', 2)).toEqual(promptImage('a red fox', 2));
		expect(promptImage('a red fox', 1)).not.toEqual(promptImage('a red fox', 2));
		expect(promptImage('a red fox', 1)).not.toEqual(promptImage('a grey wolf', 1));
	});

	it('draw what the font has: accents dropped, emoji and symbols left out', () => {
		expect(drawableText('  Crème brûlée 🍮 à la   *carte*  ')).toBe('CREME BRULEE A LA *CARTE*');
		expect(drawableText('🌅')).toBe('');
		// A prompt far too long for the tile still makes a picture.
		expect(decodePng(promptImage('word '.repeat(500), 3, '1:2')).height).toBe(512);
	});
});

describe('the fake provider, when asked', () => {
	let mj: FakeMidjourney | undefined;
	afterEach(async () => {
		await mj?.close();
		mj = undefined;
	});

	async function generate(fake: FakeMidjourney, prompt: string): Promise<{ status: number; body: unknown }> {
		const response = await fetch(`${fake.baseUrl}/api/v1/mj/generate`, {
			method: 'POST',
			headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
			body: JSON.stringify({ taskType: 'mj_txt2img', prompt }),
		});
		return { status: response.status, body: await response.json() };
	}

	it('tells of each task it creates, and draws its results with renderImage', async () => {
		const created: FakeTask[] = [];
		const fake = await startFakeMidjourney({
			onTask: (task) => created.push(task),
			renderImage: (task, index) => promptImage(String(task.request.prompt), index),
		});
		mj = fake;
		const { status } = await generate(fake, 'a paper boat');
		expect(status).toBe(200);
		expect(created.map((task) => task.request.prompt)).toEqual(['a paper boat']);
		const task = fake.succeed(created[0]!.taskId);
		const file = await fetch(task.resultUrls[1]!);
		expect(Buffer.from(await file.arrayBuffer())).toEqual(promptImage('a paper boat', 1));
	});

	it('answers through its interceptor, creating nothing, until it is removed', async () => {
		const fake = await startFakeMidjourney();
		mj = fake;
		const maintenance = { status: 455, body: { code: 455, msg: 'Maintenance', data: null } };
		fake.intercept = (endpoint) => (endpoint === 'generate' ? maintenance : undefined);
		expect(await generate(fake, 'during the outage')).toEqual(maintenance);
		expect(fake.generateRequests).toHaveLength(1);
		expect(fake.tasks.size).toBe(0);
		const credit = await fetch(`${fake.baseUrl}/api/v1/chat/credit`, {
			headers: { authorization: `Bearer ${fake.apiKey}` },
		});
		expect(credit.status).toBe(200);

		fake.intercept = undefined;
		expect((await generate(fake, 'after the outage')).status).toBe(200);
		expect(fake.tasks.size).toBe(1);
		expect(fake.latencyMs).toBe(0);
	});
});

describe('the fake Discord, when asked', () => {
	let discord: FakeDiscord | undefined;
	afterEach(async () => {
		await discord?.close();
		discord = undefined;
	});

	it('tells of every message change and request, and who reacted with what', async () => {
		const fake = await startFakeDiscord({ validate: false });
		discord = fake;
		const changes: Array<[string, StoredMessage | undefined]> = [];
		const paths: string[] = [];
		const stopMessages = fake.onMessage((id, message) => changes.push([id, message]));
		fake.onRequest((request) => paths.push(`${request.method} ${request.path}`));
		const post = await fetch(`${fake.apiUrl}/v10/channels/${fake.ids.channel}/messages`, {
			method: 'POST',
			headers: { authorization: 'Bot token', 'content-type': 'application/json' },
			body: JSON.stringify({ content: 'hello' }),
		});
		const { id } = (await post.json()) as { id: string };
		expect(changes.map(([changed, message]) => [changed, message?.content])).toEqual([[id, 'hello']]);
		expect(paths).toEqual([`POST /channels/${fake.ids.channel}/messages`]);

		// A reaction outside any route (a member's, dispatched to the gateway) changes the message too; no client is
		// connected here, so the dispatch itself fails after the message was updated.
		expect(() => fake.sendReaction({ messageId: id, emoji: { id: null, name: '✉️' }, userId: fake.ids.admin })).toThrow(
			/no gateway client/,
		);
		expect(fake.reactionsOf(id)).toEqual([{ emoji: { id: null, name: '✉️' }, users: [fake.ids.admin] }]);
		expect(changes.at(-1)?.[1]?.reactions?.[0]?.count).toBe(1);

		await fetch(`${fake.apiUrl}/v10/channels/${fake.ids.channel}/messages/${id}`, {
			method: 'DELETE',
			headers: { authorization: 'Bot token' },
		});
		expect(changes.at(-1)).toEqual([id, undefined]);
		stopMessages();
		await fetch(`${fake.apiUrl}/v10/channels/${fake.ids.channel}/messages`, {
			method: 'POST',
			headers: { authorization: 'Bot token', 'content-type': 'application/json' },
			body: JSON.stringify({ content: 'unheard' }),
		});
		expect(changes.at(-1)).toEqual([id, undefined]);
	});

	it('lists the guild, its members, channels and their permissions', async () => {
		const fake = await startFakeDiscord({ validate: false });
		discord = fake;
		const { ids } = fake;
		expect(fake.guild().name).toBe('Fake Guild');
		expect(fake.members().map((member) => member.user.id)).toEqual(
			[ids.bot, ids.user, ids.admin, ids.moderator, ids.owner, ids.otherBot].sort((a, b) =>
				BigInt(a) < BigInt(b) ? -1 : 1,
			),
		);
		expect(fake.textChannels().map((channel) => channel.name)).toEqual(['general', 'random']);
		const manageGuild = 1n << 5n;
		expect(fake.permissionsOf(ids.admin) & manageGuild).toBe(manageGuild);
		expect(fake.permissionsOf(ids.user) & manageGuild).toBe(0n);
	});
});
