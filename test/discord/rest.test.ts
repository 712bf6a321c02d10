import { LimitedCollection, Routes, type ResponseLike } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordClient } from '../../src/discord/client.js';
import { BotRest, isTokenWebhookRequest } from '../../src/discord/rest.js';

const APP = '111111111111111111';
const CHANNEL = '222222222222222222';

/** A REST manager whose requests never leave the process: each answers 200 at once and is noted. */
function stubbedRest(globalRequestsPerSecond: number): { rest: BotRest; sent: string[] } {
	const sent: string[] = [];
	const rest = new BotRest({
		globalRequestsPerSecond,
		makeRequest: async (url, init): Promise<ResponseLike> => {
			sent.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`);
			return new Response(JSON.stringify({ id: '1' }), {
				status: 200,
				headers: { 'content-type': 'application/json' },
			});
		},
	});
	rest.setToken('bot-token');
	return { rest, sent };
}

describe('BotRest', () => {
	const created: BotRest[] = [];
	afterEach(() => {
		for (const rest of created.splice(0)) {
			rest.clearHandlerSweeper();
			rest.clearHashSweeper();
		}
	});

	it('tells interaction-webhook requests from requests made as the bot', () => {
		const edit = Routes.webhookMessage(APP, 'token', '@original');
		expect(isTokenWebhookRequest({ fullRoute: edit, auth: false })).toBe(true);
		expect(isTokenWebhookRequest({ fullRoute: Routes.webhook(APP, 'token'), auth: false })).toBe(true);
		// Made as the bot, a request counts against its global limit whatever the route.
		expect(isTokenWebhookRequest({ fullRoute: edit, auth: true })).toBe(false);
		expect(isTokenWebhookRequest({ fullRoute: edit })).toBe(false);
		expect(isTokenWebhookRequest({ fullRoute: Routes.channelMessages(CHANNEL), auth: false })).toBe(false);
		expect(isTokenWebhookRequest({ fullRoute: Routes.webhook(APP), auth: false })).toBe(false);
	});

	it('sends interaction-webhook edits outside the global limit, each token in its own bucket', async () => {
		const { rest, sent } = stubbedRest(2);
		created.push(rest);
		const started = performance.now();
		await Promise.all(
			Array.from({ length: 20 }, async (_, index) =>
				rest.patch(Routes.webhookMessage(APP, `token-${index}`, '@original'), { body: {}, auth: false }),
			),
		);
		// Two per second would take ten seconds.
		expect(performance.now() - started).toBeLessThan(900);
		expect(sent).toHaveLength(20);
		expect(rest.webhooks.handlers.size).toBe(20);
		expect(rest.handlers.size).toBe(0);
	});

	it('still holds requests made as the bot to the global limit', async () => {
		const { rest, sent } = stubbedRest(2);
		created.push(rest);
		const started = performance.now();
		await Promise.all([1, 2, 3].map(async () => rest.get(Routes.channel(CHANNEL))));
		expect(sent).toHaveLength(3);
		// The third waits for the next second.
		expect(performance.now() - started).toBeGreaterThanOrEqual(900);
		expect(rest.webhooks.handlers.size).toBe(0);
	});
});

describe('createDiscordClient', () => {
	it('uses BotRest with the client’s REST options, and bounds the caches the bot does not read', async () => {
		const client = createDiscordClient({ shards: 'auto', apiUrl: 'http://127.0.0.1:9/api' });
		try {
			expect(client.rest).toBeInstanceOf(BotRest);
			const rest = client.rest as BotRest;
			expect(rest.options.api).toBe('http://127.0.0.1:9/api');
			expect(rest.webhooks.options.api).toBe('http://127.0.0.1:9/api');
			expect(rest.webhooks.options.globalRequestsPerSecond).toBe(Number.POSITIVE_INFINITY);
			expect(client.users.cache).toBeInstanceOf(LimitedCollection);
			expect((client.users.cache as LimitedCollection<string, unknown>).maxSize).toBe(1000);
		} finally {
			await client.destroy();
		}
	});
});
