import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { startFakeMidjourney, type FakeMidjourney } from '../../fakes/midjourney.js';

const ENTRY = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

interface BotProcess {
	child: ChildProcess;
	lines: Array<Record<string, unknown>>;
	waitForLog(message: string): Promise<Record<string, unknown>>;
}

function startProcess(env: Record<string, string>, cwd: string): BotProcess {
	const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), ENTRY], {
		cwd,
		env: { PATH: process.env.PATH ?? '', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const lines: Array<Record<string, unknown>> = [];
	const waiters: Array<{ message: string; resolve: (line: Record<string, unknown>) => void }> = [];
	let buffered = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		buffered += chunk.toString('utf8');
		const parts = buffered.split('\n');
		buffered = parts.pop()!;
		for (const part of parts) {
			if (!part.trim()) continue;
			const line = JSON.parse(part) as Record<string, unknown>;
			lines.push(line);
			for (const waiter of waiters.filter((w) => w.message === line.msg)) {
				waiters.splice(waiters.indexOf(waiter), 1);
				waiter.resolve(line);
			}
		}
	});
	child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
	return {
		child,
		lines,
		async waitForLog(message) {
			const seen = lines.find((line) => line.msg === message);
			if (seen) return seen;
			return new Promise((resolve, reject) => {
				waiters.push({ message, resolve });
				child.once('exit', (code) => reject(new Error(`bot exited (${code}) before logging "${message}"`)));
			});
		},
	};
}

describe('graceful shutdown of the real process', () => {
	let discord: FakeDiscord;
	let mj: FakeMidjourney;
	let dir: string;
	const children: ChildProcess[] = [];

	afterEach(async () => {
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

		const first = startProcess({ ...env, POLL_INTERVAL_MS: '600000' }, dir);
		children.push(first.child);
		await first.waitForLog('Slash commands registered');
		const { token } = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: 'a tin robot' }],
		});
		await first.waitForLog('Job submitted');
		first.child.kill('SIGTERM');
		const [code] = (await once(first.child, 'exit')) as [number | null];
		expect(code).toBe(0);
		expect(first.lines.some((line) => line.msg === 'Stopped')).toBe(true);

		const { taskId } = await mj.waitForGenerate(0);
		mj.succeed(taskId!);
		const second = startProcess({ ...env, POLL_INTERVAL_MS: '50' }, dir);
		children.push(second.child);
		const result = await discord.waitForRequest(
			(r) => r.method === 'PATCH' && r.path.endsWith(`/${token}/messages/@original`) && r.files.length > 0,
			15_000,
		);
		expect(result.files).toHaveLength(4);
		expect(mj.generateRequests).toHaveLength(1);
		second.child.kill('SIGTERM');
		const [secondCode] = (await once(second.child, 'exit')) as [number | null];
		expect(secondCode).toBe(0);
	}, 40_000);
});
