/**
 * The real bot, as `npm start` runs it: `src/index.ts` in a child process of its own (through tsx, so no build is
 * needed), configured by its environment only. Its working directory is the playground's scratch folder, so a `.env`
 * in the repository (with a real token) is never read, and only the variables named here reach it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Variables of the playground's own environment the bot may see: none of them configures it. */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];

/** A line the bot logged (pino JSON), reduced to what the page shows. */
export interface BotLogLine {
	level: number;
	time: number;
	msg: string;
}

export interface BotProcess {
	readonly pid: number | undefined;
	/** Resolves with the exit code (or signal) once the process has ended. */
	readonly exited: Promise<number | string | null>;
	/** SIGTERM, as a service manager stops it; SIGKILL if it has not exited within `timeoutMs`. */
	stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnBotOptions {
	/** The bot's configuration (DISCORD_TOKEN, MJ_API_URL, …). */
	env: Record<string, string>;
	/** Its working directory. */
	cwd: string;
	/** Everything it writes goes here. */
	logFile: string;
	onLog?: (line: BotLogLine) => void;
	/** Text it wrote to stderr (a configuration problem, a crash). */
	onError?: (text: string) => void;
}

export function spawnBot(options: SpawnBotOptions): BotProcess {
	const inherited = Object.fromEntries(
		PASSED_THROUGH.flatMap((name) => {
			const value = process.env[name];
			return value === undefined ? [] : [[name, value]];
		}),
	);
	const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
	const child = spawn(process.execPath, ['--import', tsx, join(ROOT_DIR, 'src', 'index.ts')], {
		cwd: options.cwd,
		env: { ...inherited, TSX_TSCONFIG_PATH: join(ROOT_DIR, 'tsconfig.json'), ...options.env },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const log = createWriteStream(options.logFile, { flags: 'a' });
	const exited = new Promise<number | string | null>((resolve) => {
		child.once('exit', (code, signal) => resolve(code ?? signal));
		child.once('error', (error) => {
			options.onError?.(String(error));
			resolve(null);
		});
	});
	createInterface({ input: child.stdout }).on('line', (line) => {
		log.write(`${line}\n`);
		const parsed = parseLogLine(line);
		if (parsed) options.onLog?.(parsed);
	});
	createInterface({ input: child.stderr }).on('line', (line) => {
		log.write(`${line}\n`);
		options.onError?.(line);
	});
	void exited.then(() => log.end());
	// Should the playground end without stopping it (an uncaught error), the bot goes with it.
	const killOnExit = (): void => {
		child.kill('SIGKILL');
	};
	process.once('exit', killOnExit);
	void exited.then(() => process.off('exit', killOnExit));

	return {
		pid: child.pid,
		exited,
		async stop(timeoutMs = 20_000) {
			if (child.exitCode !== null || child.signalCode !== null) return;
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
			await exited;
			clearTimeout(timer);
		},
	};
}

function parseLogLine(line: string): BotLogLine | undefined {
	try {
		const value: unknown = JSON.parse(line);
		if (typeof value !== 'object' || value === null) return undefined;
		const { level, time, msg } = value as Record<string, unknown>;
		if (typeof level !== 'number' || typeof msg !== 'string') return undefined;
		return { level, time: typeof time === 'number' ? time : Date.now(), msg };
	} catch {
		return undefined;
	}
}
