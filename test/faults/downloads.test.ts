/**
 * Result files the provider names are fetched by the bot itself: faults in what those URLs point at must cost the
 * member nothing but the one file, and must never turn the bot into a way into its own network.
 * Every case runs through the real bot; each member action makes exactly one generate request, and the member ends
 * with the result (the refused files linked) within the fakes' usual waits (5 s per awaited request).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../../fakes/discord.js';
import { createPng } from '../../fakes/midjourney.js';
import { downloadsInProgress, MAX_CONCURRENT_DOWNLOADS } from '../../src/jobs/download.js';
import { eventually, startWorld, type World } from '../e2e/harness.js';

const STRING = 3;
const PNG = createPng(2, 2, [200, 100, 50]);
const HTML = Buffer.from('<!doctype html><html><body>Your session expired. Sign in.</body></html>', 'utf8');

async function listen(server: http.Server): Promise<string> {
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: http.Server): Promise<void> {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
}

/** Stands for an internal service (or the cloud's metadata): on loopback, on a port that is not allow-listed. */
const inside = { connections: 0, requests: 0, host: '' };
const insideServer = http.createServer((_, response) => {
	inside.requests++;
	response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
});
insideServer.on('connection', () => inside.connections++);

/** A file host the bot may use (allow-listed by its exact host:port) that redirects inside, and can hold answers. */
const held = { holding: true, arrived: 0, inFlight: 0, max: 0, waiting: [] as http.ServerResponse[] };
let fileHost = '';
const fileServer = http.createServer((request, response) => {
	const path = request.url ?? '/';
	if (path === '/redirect-inside') {
		response.writeHead(302, { location: `http://${inside.host}/latest/meta-data/iam.png` }).end();
		return;
	}
	if (path.startsWith('/held/')) {
		held.arrived++;
		held.inFlight++;
		held.max = Math.max(held.max, held.inFlight);
		response.on('finish', () => held.inFlight--);
		if (held.holding) held.waiting.push(response);
		else answer(response);
		return;
	}
	response.writeHead(404).end();
});

function answer(response: http.ServerResponse): void {
	response.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
}

beforeAll(async () => {
	inside.host = await listen(insideServer);
	fileHost = await listen(fileServer);
});
afterAll(async () => {
	await Promise.all([close(insideServer), close(fileServer)]);
});

function isResultEdit(token: string) {
	return (r: RecordedRequest) =>
		r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`) && contentOf(r).includes('✅');
}

function contentOf(request: RecordedRequest): string {
	return String((request.body as { content?: unknown }).content ?? '');
}

describe('downloads of result files under faults', () => {
	let world: World;
	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(world.logs.map((line) => JSON.stringify(line)).join('\n'));
		await world.close();
	});

	async function imagine(prompt: string): Promise<{ token: string; taskId: string }> {
		const { token } = world.discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: STRING, value: prompt }],
		});
		const generate = await world.mj.waitForGenerate();
		return { token, taskId: generate.taskId! };
	}

	it('a result URL that redirects into the private network is not followed there; the rest are delivered', async () => {
		world = await startWorld({ allowHosts: [fileHost] });
		const { token, taskId } = await imagine('a lighthouse');
		const redirecting = `http://${fileHost}/redirect-inside`;
		const good = [1, 2, 3].map((n) => world.mj.serveFile(`good_${n}.png`, 'image/png', PNG));
		world.mj.succeed(taskId, { resultUrls: [good[0]!, good[1]!, redirecting, good[2]!] });

		const result = await world.discord.waitForRequest(isResultEdit(token));
		expect(result.files.map((file) => file.data.equals(PNG))).toEqual([true, true, true]);
		expect(contentOf(result)).toContain(`[result 3](${redirecting})`);
		expect(inside).toMatchObject({ connections: 0, requests: 0 });
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(world.discord.violations).toEqual([]);
	});

	it('a page served as image/png is refused by its bytes and linked instead', async () => {
		world = await startWorld();
		const { token, taskId } = await imagine('a harbour');
		const page = world.mj.serveFile('signin.png', 'image/png', HTML);
		const good = [1, 2, 3].map((n) => world.mj.serveFile(`fine_${n}.png`, 'image/png', PNG));
		world.mj.succeed(taskId, { resultUrls: [page, ...good] });

		const result = await world.discord.waitForRequest(isResultEdit(token));
		expect(result.files).toHaveLength(3);
		for (const file of result.files) {
			expect(file.contentType).toBe('image/png');
			expect(file.data.equals(PNG)).toBe(true);
		}
		expect(contentOf(result)).toContain(`[result 1](${page})`);
		expect(world.mj.generateRequests).toHaveLength(1);
		expect(world.discord.violations).toEqual([]);
	});

	it('ten result URLs for an image task: the first four are fetched, the others never', async () => {
		world = await startWorld();
		const { token, taskId } = await imagine('a forest');
		const urls = Array.from({ length: 10 }, (_, n) => world.mj.serveFile(`many_${n}.png`, 'image/png', PNG));
		world.mj.succeed(taskId, { resultUrls: urls });

		const result = await world.discord.waitForRequest(isResultEdit(token));
		await world.bot.jobs.idle();
		expect(result.files).toHaveLength(4);
		expect(world.mj.fileRequests.filter((name) => name.startsWith('many_'))).toEqual([
			'many_0.png',
			'many_1.png',
			'many_2.png',
			'many_3.png',
		]);
		expect(contentOf(result)).not.toContain('[result 5]');
		expect(world.mj.generateRequests).toHaveLength(1);
	});

	it('a signed callback naming ten URLs prefetches four, and the confirmation reuses them', async () => {
		world = await startWorld({ callbacks: true });
		const { token, taskId } = await imagine('a desert');
		const urls = Array.from({ length: 10 }, (_, n) => world.mj.serveFile(`named_${n}.png`, 'image/png', PNG));
		world.mj.succeed(taskId, { resultUrls: urls });
		expect((await world.mj.sendCallback(taskId)).status).toBe(200);

		const result = await world.discord.waitForRequest(isResultEdit(token));
		await world.bot.jobs.idle();
		expect(result.files).toHaveLength(4);
		expect(world.mj.fileRequests.filter((name) => name.startsWith('named_'))).toHaveLength(4);
		expect(world.mj.generateRequests).toHaveLength(1);
	});

	it(`ten jobs finishing together download at most ${MAX_CONCURRENT_DOWNLOADS} files at once, and all arrive`, async () => {
		world = await startWorld({ allowHosts: [fileHost] });
		Object.assign(held, { holding: true, arrived: 0, inFlight: 0, max: 0, waiting: [] });
		const jobs: Array<{ token: string; taskId: string }> = [];
		for (let n = 0; n < 10; n++) jobs.push(await imagine(`a tide pool, take ${n}`));
		for (const [n, job] of jobs.entries()) {
			const urls = [0, 1, 2, 3].map((i) => `http://${fileHost}/held/${n}_${i}.png`);
			world.mj.succeed(job.taskId, { resultUrls: urls });
		}
		// Nothing is answered yet: the first downloads hold every slot and the other 32 wait without a request sent.
		await eventually(
			() =>
				held.arrived > MAX_CONCURRENT_DOWNLOADS ||
				(held.arrived === MAX_CONCURRENT_DOWNLOADS && downloadsInProgress().waiting === 40 - MAX_CONCURRENT_DOWNLOADS),
			'every download either running or queued',
		);
		expect(held.arrived).toBe(MAX_CONCURRENT_DOWNLOADS);
		held.holding = false;
		for (const response of held.waiting.splice(0)) answer(response);

		for (const job of jobs) {
			const result = await world.discord.waitForRequest(isResultEdit(job.token));
			expect(result.files).toHaveLength(4);
		}
		expect(held).toMatchObject({ arrived: 40, max: MAX_CONCURRENT_DOWNLOADS });
		expect(world.mj.generateRequests).toHaveLength(10);
		expect(world.discord.violations).toEqual([]);
	});
});
