/**
 * A generating command is acknowledged before anything is decided, in public (its reply becomes the result). What
 * lies between that design and its faults: Discord refusing the acknowledgement itself, Discord refusing to delete
 * the "thinking…" a refusal replaces, and a burst of members all refused at once.
 */
import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { worldPerTest, type World } from '../e2e/harness.js';
import {
	answerTo,
	followUpTo,
	interactionCallback,
	originalDeletion,
	originalEdit,
	content,
	str,
} from '../e2e/requests.js';

const openWorld = worldPerTest({ callbacks: true });

async function setServer(world: World, change: { channels?: string[]; memberDaily?: number }): Promise<void> {
	await world.bot.settings.settings.updateServer(world.discord.ids.guild, (settings) => ({
		...settings,
		...(change.channels ? { channels: change.channels } : {}),
		limits: { ...settings.limits, ...(change.memberDaily ? { memberDaily: change.memberDaily } : {}) },
	}));
}

const imagine = (prompt: string) => ({ name: 'imagine', options: [str('prompt', prompt)] });

describe('a command acknowledged before it is decided', () => {
	it('decides nothing and takes no place under the limits when Discord refuses the acknowledgement', async () => {
		const world = await openWorld();
		await setServer(world, { memberDaily: 1 });
		const { discord } = world;
		// An interaction Discord no longer knows (its 3 s passed on the way): every answer to it is refused.
		const unknown = { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
		discord.failNext((r) => r.method === 'POST' && r.path.endsWith('/callback'), unknown, 2);
		const expired = discord.sendCommand(imagine('too late'));
		// The acknowledgement, then the funnel's one attempt to say something went wrong: both refused.
		await discord.waitForRequest((r) => interactionCallback(expired.id)(r) && r.response.status === 404);
		await world.bot.jobs.idle();

		// The member's one job of the day is still theirs: the next command is taken.
		const from = discord.requests.length;
		const taken = discord.sendCommand(imagine('in time'));
		const generate = await world.mj.waitForGenerate(0);
		expect(generate.body.prompt).toBe('in time');
		await discord.waitForRequest(originalEdit(taken.token), 5000, from);
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(discord.requests.filter((r) => r.path.includes(expired.token) && r.response.status < 300)).toEqual([]);
		const usage = await world.bot.settings.usage.memberUsage(discord.ids.guild, discord.ids.user);
		expect(usage.today).toBe(1);
	});

	it('puts the refusal in place of the "thinking…" when Discord will not delete it', async () => {
		const world = await openWorld();
		const elsewhere = world.discord.addTextChannel('generation');
		await setServer(world, { channels: [elsewhere] });
		const { discord } = world;
		// A proxy in front of Discord answering every try (discord.js retries server errors) with its own error page.
		const page = { data: Buffer.from('<html><body>502 Bad Gateway</body></html>'), contentType: 'text/html' };
		discord.failNext(
			(r) => r.method === 'DELETE' && r.path.endsWith('/@original'),
			{ status: 502, body: null, raw: page },
			10,
		);
		const refused = discord.sendCommand(imagine('in the wrong channel'));
		const told = await discord.waitForRequest(followUpTo(refused.token));
		expect(content(told)).toContain('Nothing was submitted');
		expect(content(told)).toContain(elsewhere);
		// The first follow-up of a deferred reply takes the "thinking…"'s place: the member reads it there.
		const reply = discord.messages.get(String((told.response.body as { id: string }).id));
		expect(reply?.content).toContain('Nothing was submitted');
		expect(world.mj.generateRequests).toHaveLength(0);
		expect(discord.violations).toEqual([]);
	});

	it('tells the member in a message of their own when the deletion landed but its answer was lost', async () => {
		const world = await openWorld();
		const elsewhere = world.discord.addTextChannel('generation');
		await setServer(world, { channels: [elsewhere] });
		const { discord } = world;
		// Deleted, then the connection reset before the answer: discord.js tries again and finds nothing to delete.
		discord.failNext((r) => r.method === 'DELETE' && r.path.endsWith('/@original'), {
			status: 0,
			body: null,
			handled: true,
			reset: true,
		});
		const from = discord.requests.length;
		const refused = discord.sendCommand(imagine('in the wrong channel'));
		const answer = await answerTo(discord, refused, from);
		expect(answer.ephemeral).toBe(true);
		expect(answer.content).toContain('Nothing was submitted');
		expect(world.mj.generateRequests).toHaveLength(0);
		expect(discord.violations).toEqual([]);
	});

	it('tells each of 40 members refused at once privately, once, and leaves nothing of theirs in public', async () => {
		const world = await openWorld();
		const elsewhere = world.discord.addTextChannel('generation');
		await setServer(world, { channels: [elsewhere] });
		const { discord } = world;
		const from = discord.requests.length;
		const handles = Array.from({ length: 40 }, (_, i) => discord.sendCommand(imagine(`refused ${i}`)));
		const answers = await Promise.all(handles.map(async (handle) => answerTo(discord, handle, from)));
		for (const answer of answers) {
			expect(answer.ephemeral).toBe(true);
			expect(answer.content).toContain('Nothing was submitted');
		}
		await world.bot.jobs.idle();
		const mine = (r: RecordedRequest, token: string) => r.path.includes(token);
		for (const { token } of handles) {
			const requests = discord.requests.slice(from).filter((r) => mine(r, token));
			expect(requests.filter(originalDeletion(token))).toHaveLength(1);
			expect(requests.filter(followUpTo(token))).toHaveLength(1);
			expect(requests.filter(originalEdit(token))).toHaveLength(0);
		}
		expect(world.mj.generateRequests).toHaveLength(0);
		expect(discord.violations).toEqual([]);
	});
});
