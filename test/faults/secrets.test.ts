/**
 * Logs never hold a secret. One world with debug logs goes through what a run meets: a delivered `/imagine` by
 * callback, Discord refusing the interaction-webhook edits (a 4xx on the "working" edit, 5xx on the result's), the
 * provider refusing a submit and failing a task, and forged callbacks. Then every log line is scanned for every
 * secret the run handled: none may appear, whatever field it would have been in.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCORD_TOKEN, startWorld, type World } from '../e2e/harness.js';
import { content, originalEdit, resultEdit } from '../e2e/requests.js';

const STRING = 3;
const CALLBACK_SECRET = 'callback-secret-of-the-log-scan-0123';
const WEBHOOK_KEY = 'provider-webhook-key-of-the-log-scan';

let world: World;
beforeEach(async () => {
	world = await startWorld({ callbacks: true, webhookKey: WEBHOOK_KEY, env: { CALLBACK_SECRET } });
});
afterEach(async () => {
	await world.close();
});

function imagine(prompt: string): { token: string } {
	return world.discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: prompt }] });
}

describe('a whole run’s logs', () => {
	it('hold none of the secrets the run handled', async () => {
		const { discord, mj } = world;
		const sigs = new Set<string>();
		const sigOf = (url: string) => {
			const sig = new URL(url).searchParams.get('sig');
			if (sig) sigs.add(sig);
			return sig;
		};

		// 1. A job delivered by callback; a forged callback and a malformed one on the way.
		const first = imagine('a lighthouse at dusk');
		const firstSubmit = await mj.waitForGenerate(0);
		const firstUrl = String(firstSubmit.body.callBackUrl);
		sigOf(firstUrl);
		await discord.waitForRequest(originalEdit(first.token));
		mj.succeed(firstSubmit.taskId!);
		const forged = new URL(firstUrl);
		forged.searchParams.set('sig', 'ab'.repeat(32));
		sigOf(forged.toString());
		expect((await mj.sendCallback(firstSubmit.taskId!, { url: forged.toString() })).status).toBe(401);
		expect((await mj.sendCallback(firstSubmit.taskId!, { rawBody: '{"code":' })).status).toBe(400);
		expect(
			(await mj.sendCallback(firstSubmit.taskId!, { headers: { 'x-webhook-signature': 'f'.repeat(64) } })).status,
		).toBe(401);
		expect((await mj.sendCallback(firstSubmit.taskId!)).status).toBe(200);
		await discord.waitForRequest(resultEdit(first.token));

		// 2. Discord refuses the interaction webhook: 400 on the "working" edit, 500s on the result's first attempt
		// (discord.js retries those itself, then the delivery is retried a second later).
		discord.failNext((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'), {
			status: 400,
			body: { code: 50035, message: 'Invalid Form Body' },
		});
		const second = imagine('a fox in the snow');
		const secondSubmit = await mj.waitForGenerate(1);
		sigOf(String(secondSubmit.body.callBackUrl));
		await world.bot.jobs.idle();
		mj.succeed(secondSubmit.taskId!);
		discord.failNext(
			resultEdit(second.token),
			{ status: 500, body: { code: 0, message: '500: Internal Server Error' } },
			4,
		);
		expect((await mj.sendCallback(secondSubmit.taskId!)).status).toBe(200);
		await discord.waitForRequest((r) => resultEdit(second.token)(r) && r.response.status === 200, 10_000);

		// 3. The provider fails a task, then refuses a submit echoing the key it was sent.
		const third = imagine('a city of glass');
		const thirdSubmit = await mj.waitForGenerate(2);
		sigOf(String(thirdSubmit.body.callBackUrl));
		await discord.waitForRequest(originalEdit(third.token));
		mj.fail(thirdSubmit.taskId!, 'Image generation failed');
		expect((await mj.sendCallback(thirdSubmit.taskId!)).status).toBe(200);
		await discord.waitForRequest((r) => originalEdit(third.token)(r) && content(r).includes('❌'));

		mj.respondToGenerate({ status: 401, body: { code: 401, msg: `Invalid key: Bearer ${mj.apiKey}` } });
		const fourth = imagine('a quiet harbour');
		await mj.waitForGenerate(3);
		await discord.waitForRequest((r) => originalEdit(fourth.token)(r) && content(r).includes('❌'));
		await world.bot.jobs.idle();

		// Every interaction token the fake Discord saw in a webhook route, not only those the test kept.
		const tokens = new Set([first.token, second.token, third.token, fourth.token]);
		for (const request of discord.requests) {
			const match = /^\/(?:webhooks|interactions)\/\d+\/([^/]+)/.exec(request.path);
			if (match?.[1]) tokens.add(match[1]);
		}
		const secrets: Record<string, string> = {
			'bot token': DISCORD_TOKEN,
			'API key': mj.apiKey,
			'callback secret': CALLBACK_SECRET,
			'webhook key': WEBHOOK_KEY,
			...Object.fromEntries([...tokens].map((token, index) => [`interaction token ${index}`, token])),
			...Object.fromEntries([...sigs].map((sig, index) => [`sig ${index}`, sig])),
		};
		expect(sigs.size).toBe(4);

		// The failures above must have reached the logs, or the scan proves nothing. Asserted, never waited on: each is
		// written before what the steps above waited for (the submit after it, the retried edit, the callback's answer).
		const lines = world.logs.map((line) => JSON.stringify(line));
		expect(lines.some((line) => line.includes('Could not show the working message'))).toBe(true);
		expect(lines.some((line) => line.includes('Delivery failed for now'))).toBe(true);
		expect(lines.some((line) => line.includes('Callback rejected'))).toBe(true);

		const hits = lines.flatMap((line) =>
			Object.entries(secrets)
				.filter(([, secret]) => line.includes(secret))
				.map(([name]) => `${name}: ${line}`),
		);
		expect(hits).toEqual([]);
	});
});
