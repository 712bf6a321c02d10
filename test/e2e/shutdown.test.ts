import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';
import type { JobRecord } from '../../src/jobs/types.js';
import { eventually } from './harness.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

function startProcess(env: Record<string, string>, cwd: string, output: string[]): ChildProcess {
	const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY], {
		cwd,
		env: { PATH: process.env.PATH ?? '', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	// Kept to show when a test fails, never waited on.
	child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
	child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
	return child;
}

/** The stored jobs, read through a connection of the test's own ([] before the bot has created the table). */
async function storedJobs(file: string): Promise<JobRecord[]> {
	const db = new Database(file);
	try {
		const rows = db.prepare('SELECT value FROM jobs').all() as Array<{ value: string }>;
		return rows.map((row) => (JSON.parse(row.value) as { value: JobRecord }).value);
	} catch {
		return [];
	} finally {
		db.close();
	}
}

describe('graceful shutdown of the real process', () => {
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	let dir: string;
	const children: ChildProcess[] = [];

	const output: string[] = [];

	afterEach(async (context) => {
		if (context.task.result?.state === 'fail') console.log(output.join(''));
		for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
		await Promise.all([discord?.close(), mj?.close()]);
		rmSync(dir, { recursive: true, force: true });
	});

	it('SIGTERM mid-job exits 0, and the next start completes the job', async () => {
		discord = await startFakeDiscord();
		mj = await startFakeMidjourney();
		dir = mkdtempSync(join(tmpdir(), 'mjbot-shutdown-'));
		const env = {
			DISCORD_TOKEN: 'fake-token',
			MJ_API_KEY: mj.apiKey,
			MJ_API_URL: mj.baseUrl,
			DISCORD_API_URL: discord.apiUrl,
			PORT: '0',
			HOST: '127.0.0.1',
			STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
			LOG_LEVEL: 'info',
			// The fake serves result files on loopback, which downloads refuse unless allow-listed.
			DOWNLOAD_ALLOW_HOSTS: new URL(mj.baseUrl).host,
		};

		const storeFile = join(dir, 'bot.sqlite');
		const first = startProcess({ ...env, POLL_INTERVAL_MS: '600000' }, dir, output);
		children.push(first);
		// Started: its gateway session is up and it has registered its commands (which it does once connected).
		await discord.waitForRequest((r) => r.method === 'PUT' && r.path.endsWith('/commands'), 20_000);
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: 'a tin robot' }],
		});
		// Mid-job: submitted, its task id stored, the result not yet there.
		const { taskId } = await mj.waitForGenerate(0);
		const submitted = (job: JobRecord) => job.state.phase === 'submitted' && job.state.taskId === taskId;
		await eventually(async () => (await storedJobs(storeFile)).some(submitted), 'the task id to be stored');
		first.kill('SIGTERM');
		const [code] = (await once(first, 'exit')) as [number | null];
		expect(code).toBe(0);
		// It stopped cleanly, leaving the job as it was for the next start.
		expect((await storedJobs(storeFile)).filter(submitted)).toHaveLength(1);

		mj.succeed(taskId!);
		const second = startProcess({ ...env, POLL_INTERVAL_MS: '50' }, dir, output);
		children.push(second);
		const result = await discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`) && r.files.length > 0,
			15_000,
		);
		expect(result.files).toHaveLength(4);
		expect(mj.generateRequests).toHaveLength(1);
		second.kill('SIGTERM');
		const [secondCode] = (await once(second, 'exit')) as [number | null];
		expect(secondCode).toBe(0);
	}, 40_000);
});
