/**
 * The real process killed with SIGKILL (no shutdown code runs) at each step of a job's life, then started again on
 * the same store: the member's action makes one generate request, and the member ends with the result, posted once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import { eventually, fakeFileHosts } from '../e2e/harness.js';
import { resultEdit } from '../e2e/requests.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const STRING = 3;

let discord: FakeDiscord;
let mj: FakeMidjourney;
let dir: string;
let port: number;
let output: string[];
const children: ChildProcess[] = [];
const releases: Array<() => void> = [];

beforeEach(async () => {
	[discord, mj] = await Promise.all([startFakeDiscord(), startFakeMidjourney()]);
	dir = mkdtempSync(join(tmpdir(), 'mjbot-kill-'));
	port = await freePort();
	output = [];
});

afterEach(async (context) => {
	if (context.task.result?.state === 'fail') console.log(output.join(''));
	for (const child of children.splice(0))
		if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	for (const release of releases.splice(0)) release();
	await Promise.all([discord.close(), mj.close()]);
	rmSync(dir, { recursive: true, force: true });
});

/** A port nobody listens on now: the bot keeps it across restarts, so the callback URLs it signed stay valid. */
async function freePort(): Promise<number> {
	const probe = createServer();
	await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
	const { port: free } = probe.address() as AddressInfo;
	await new Promise<void>((resolve) => probe.close(() => resolve()));
	return free;
}

/** Starts the real entry point, as `npm start` does, and resolves once its gateway session and HTTP server are up. */
async function startBot(env: Record<string, string> = {}): Promise<ChildProcess> {
	const identified = discord.waitForIdentify();
	const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY], {
		cwd: dir,
		env: {
			PATH: process.env.PATH ?? '',
			DISCORD_TOKEN: 'fake-token-kill',
			MJ_API_KEY: mj.apiKey,
			MJ_API_URL: mj.baseUrl,
			DISCORD_API_URL: discord.apiUrl,
			PORT: String(port),
			HOST: '127.0.0.1',
			PUBLIC_URL: `http://127.0.0.1:${port}`,
			STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
			DOWNLOAD_ALLOW_HOSTS: fakeFileHosts({ discord, mj }),
			LOG_LEVEL: 'info',
			MJ_TIMEOUT_MS: '1000',
			POLL_INTERVAL_MS: '200',
			CALLBACK_GRACE_MS: '60000',
			...env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	children.push(child);
	child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
	child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
	await identified;
	await eventually(
		async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok,
		'the HTTP server',
	);
	return child;
}

async function kill(child: ChildProcess): Promise<void> {
	child.kill('SIGKILL');
	if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

/** The stored job values, read through a connection of the test's own. */
async function storedJobs(): Promise<string[]> {
	const db = new Database(join(dir, 'bot.sqlite'));
	try {
		return (db.prepare('SELECT value FROM jobs').all() as Array<{ value: string }>).map((row) => row.value);
	} catch {
		return []; // Not created yet.
	} finally {
		db.close();
	}
}

function imagine(prompt: string): string {
	return discord.sendCommand({ name: 'imagine', options: [{ name: 'prompt', type: STRING, value: prompt }] }).token;
}

/** Finishes the task at the provider and calls back, as the provider does once it is done. */
async function providerFinishes(taskId: string): Promise<void> {
	mj.succeed(taskId);
	expect((await mj.sendCallback(taskId)).status).toBe(200);
}

async function expectOneResult(token: string): Promise<void> {
	const result = await discord.waitForRequest(resultEdit(token), 20_000);
	expect(result.files).toHaveLength(4);
	expect(mj.generateRequests).toHaveLength(1);
	expect(discord.requests.filter(resultEdit(token))).toHaveLength(1);
}

describe('SIGKILL at each step of a job, then a new start on the same store', () => {
	it('recorded (stored, its working message not yet shown, nothing sent)', async () => {
		const first = await startBot();
		const held = discord.holdNext((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'));
		releases.push(held.release);
		const token = imagine('recorded');
		await held.arrived;
		await kill(first);
		expect(mj.generateRequests).toHaveLength(0);
		await startBot();
		const { taskId } = await mj.waitForGenerate(0, 15_000);
		await providerFinishes(taskId!);
		await expectOneResult(token);
	}, 60_000);

	it('submitting (the request at the provider, created, no answer yet)', async () => {
		const first = await startBot();
		mj.respondToGenerate({ kind: 'hang' }, 1, { created: true });
		const token = imagine('submitting');
		const { taskId } = await mj.waitForGenerate(0);
		await kill(first);
		await startBot();
		// The provider's callback names the task: the new process adopts it once the dead one's request cannot be
		// answered any more (its time-out plus a margin), and never sends the job again.
		await providerFinishes(taskId!);
		await expectOneResult(token);
	}, 60_000);

	it('submitted (the task id stored, waiting for the result)', async () => {
		const first = await startBot();
		const token = imagine('submitted');
		const { taskId } = await mj.waitForGenerate(0);
		await eventually(async () => (await storedJobs()).some((job) => job.includes('"phase":"submitted"')), 'stored');
		await kill(first);
		await startBot();
		await providerFinishes(taskId!);
		await expectOneResult(token);
	}, 60_000);

	it('confirming (the callback in, record-info asked, no answer yet)', async () => {
		const first = await startBot();
		const token = imagine('confirming');
		const { taskId } = await mj.waitForGenerate(0);
		await eventually(async () => (await storedJobs()).some((job) => job.includes('"phase":"submitted"')), 'stored');
		const releaseRecordInfo = mj.holdRecordInfo();
		releases.push(releaseRecordInfo);
		await providerFinishes(taskId!);
		await eventually(() => mj.recordInfoRequests.includes(taskId!), 'record-info asked');
		await kill(first);
		releaseRecordInfo();
		// The provider's retry of the callback (or the restart's own poll) finishes it.
		await startBot();
		await expectOneResult(token);
	}, 60_000);

	it('delivering (the result on its way to Discord, not yet answered)', async () => {
		const first = await startBot();
		const token = imagine('delivering');
		const { taskId } = await mj.waitForGenerate(0);
		await eventually(async () => (await storedJobs()).some((job) => job.includes('"phase":"submitted"')), 'stored');
		const held = discord.holdNext(resultEdit(token));
		await providerFinishes(taskId!);
		await held.arrived;
		await kill(first);
		await startBot();
		// The held edit never completed; the new process edits the same reply again: one message with the result.
		await expectOneResult(token);
	}, 60_000);

	it('delivery pending (Discord down for longer than its retries)', async () => {
		const quickRetries = { DELIVERY_RETRY_BASE_MS: '50', DELIVERY_RETRY_MAX_MS: '200' };
		const first = await startBot(quickRetries);
		const token = imagine('pending delivery');
		const { taskId } = await mj.waitForGenerate(0);
		let down = true;
		discord.failNext(
			(r) => down && resultEdit(token)(r),
			{ status: 502, body: { message: 'Bad Gateway', code: 0 } },
			1_000,
		);
		await providerFinishes(taskId!);
		await eventually(
			async () => (await storedJobs()).some((job) => /"state":"pending","attempts":[4-9]/.test(job)),
			'four failed attempts stored',
		);
		await kill(first);
		down = false;
		await startBot(quickRetries);
		const result = await discord.waitForRequest((r) => resultEdit(token)(r) && r.response.status === 200, 20_000);
		expect(result.files).toHaveLength(4);
		await eventually(async () => (await storedJobs()).some((job) => job.includes('"state":"delivered"')), 'stored');
		expect(discord.requests.filter((r) => resultEdit(token)(r) && r.response.status === 200)).toHaveLength(1);
		expect(mj.generateRequests).toHaveLength(1);
	}, 60_000);

	it('delivered (the delivery stored): nothing is posted again', async () => {
		const first = await startBot();
		const token = imagine('delivered');
		const { taskId } = await mj.waitForGenerate(0);
		await providerFinishes(taskId!);
		await discord.waitForRequest(resultEdit(token), 20_000);
		await eventually(async () => (await storedJobs()).some((job) => job.includes('"state":"delivered"')), 'stored');
		await kill(first);
		await startBot();
		// A second member action goes all the way through after the restart: by then any recovery has run.
		const second = imagine('after the restart');
		const { taskId: secondTask } = await mj.waitForGenerate(1);
		await providerFinishes(secondTask!);
		await discord.waitForRequest(resultEdit(second), 20_000);
		expect(discord.requests.filter(resultEdit(token))).toHaveLength(1);
		expect(mj.generateRequests).toHaveLength(2);
	}, 60_000);
});
