import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOptionInput, AttachmentInput } from '../../fakes/discord/types.js';
import { startWorld, type World } from './harness.js';
import { send } from './requests.js';

const STRING = 3;
const INTEGER = 4;
const ATTACHMENT = 11;

interface BadInput {
	name: string;
	command: string;
	options: CommandOptionInput[];
	attachments?: AttachmentInput[];
	guildId?: null;
	/** A phrase the member's message must contain. */
	says: RegExp;
}

const prompt = (value: string): CommandOptionInput => ({ name: 'prompt', type: STRING, value });

const BAD_INPUTS: BadInput[] = [
	{
		name: 'a 2,001-character prompt',
		command: 'imagine',
		options: [prompt('a'.repeat(2001))],
		says: /2,001 characters.*limit is 2,000/,
	},
	{ name: 'a blank prompt', command: 'imagine', options: [prompt('   ')], says: /`prompt` is required/ },
	{
		name: 'variety above its range',
		command: 'imagine',
		options: [prompt('x'), { name: 'variety', type: INTEGER, value: 101 }],
		says: /`variety` must be a whole number from 0 to 100/,
	},
	{
		name: 'weirdness below its range',
		command: 'imagine',
		options: [prompt('x'), { name: 'weirdness', type: INTEGER, value: -1 }],
		says: /`weirdness` must be a whole number from 0 to 3000/,
	},
	{
		name: 'an omni weight of 0',
		command: 'omni',
		options: [
			prompt('x'),
			{ name: 'image_url', type: STRING, value: 'https://e.com/a.png' },
			{ name: 'omni_weight', type: INTEGER, value: 0 },
		],
		says: /`omni_weight` must be a whole number from 1 to 1000/,
	},
	{
		name: 'an unknown aspect ratio',
		command: 'imagine',
		options: [prompt('x'), { name: 'aspect_ratio', type: STRING, value: '7:3' }],
		says: /`aspect_ratio` must be one of/,
	},
	{
		name: 'an unknown speed',
		command: 'remix',
		options: [
			prompt('x'),
			{ name: 'image_url', type: STRING, value: 'https://e.com/a.png' },
			{ name: 'speed', type: STRING, value: 'ludicrous' },
		],
		says: /`speed` must be one of/,
	},
	{
		name: 'a batch size of 3',
		command: 'animate',
		options: [
			prompt('x'),
			{ name: 'image_url', type: STRING, value: 'https://e.com/a.png' },
			{ name: 'batch_size', type: INTEGER, value: 3 },
		],
		says: /`batch_size` must be one of 1, 2, 4/,
	},
	{
		name: 'speed sent to /animate',
		command: 'animate',
		options: [
			prompt('x'),
			{ name: 'image_url', type: STRING, value: 'https://e.com/a.png' },
			{ name: 'speed', type: STRING, value: 'fast' },
		],
		says: /`speed` is not an option of this command/,
	},
	{ name: 'a missing image', command: 'remix', options: [prompt('x')], says: /needs a source image/ },
	{
		name: 'a non-image attachment',
		command: 'style',
		options: [prompt('x'), { name: 'image', type: ATTACHMENT, value: '900000000000000009' }],
		attachments: [
			{
				id: '900000000000000009',
				filename: 'notes.txt',
				content_type: 'text/plain',
				url: 'https://cdn.discordapp.com/attachments/1/2/notes.txt',
				size: 10,
			},
		],
		says: /`notes.txt` is text\/plain, not an image/,
	},
	{
		name: 'a URL that is not http(s)',
		command: 'animate',
		options: [prompt('x'), { name: 'image_url', type: STRING, value: 'ftp://example.com/a.png' }],
		says: /must be a public http\(s\) link/,
	},
	{
		name: 'both an attachment and a URL',
		command: 'omni',
		options: [
			prompt('x'),
			{ name: 'image', type: ATTACHMENT, value: '900000000000000010' },
			{ name: 'image_url', type: STRING, value: 'https://e.com/a.png' },
		],
		attachments: [
			{
				id: '900000000000000010',
				filename: 'a.png',
				content_type: 'image/png',
				url: 'https://cdn.discordapp.com/attachments/1/2/a.png',
				size: 10,
			},
		],
		says: /either `image` or `image_url`, not both/,
	},
	{
		name: 'a command from a DM',
		command: 'imagine',
		options: [prompt('x')],
		guildId: null,
		says: /work in servers only/,
	},
];

describe('bad input gets an ephemeral message saying what to fix, and nothing is submitted', () => {
	let world: World;
	beforeAll(async () => {
		world = await startWorld({ callbacks: true });
	});
	afterAll(async () => {
		await world.close();
	});

	it.each(BAD_INPUTS)('$name', async ({ command, options, attachments, guildId, says }) => {
		const answer = await send(world.discord, {
			name: command,
			options,
			...(attachments ? { attachments } : {}),
			...(guildId === null ? { guildId: null } : {}),
		});
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toMatch(says);
		if (guildId !== null) expect(answer.content).toContain('Nothing was submitted');
		expect(world.mj.generateRequests).toHaveLength(0);
		expect(world.discord.violations).toEqual([]);
	});

	it('lists every problem at once', async () => {
		const { content } = await send(world.discord, {
			name: 'imagine',
			options: [
				prompt('a'.repeat(2500)),
				{ name: 'variety', type: INTEGER, value: 500 },
				{ name: 'version', type: STRING, value: '99' },
			],
		});
		expect(content).toMatch(/prompt/);
		expect(content).toMatch(/variety/);
		expect(content).toMatch(/version/);
		expect(world.mj.generateRequests).toHaveLength(0);
	});
});
