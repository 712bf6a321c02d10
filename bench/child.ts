/**
 * Child processes of the bench: the bot and the baselines each get a process of their own, so the load tool and the
 * fakes (in the bench process) never share an event loop with what is measured, and RSS is the child's alone.
 *
 * Children run as plain `node` on a bundle of their TypeScript (esbuild, the compiler tsx itself uses; node_modules
 * stay external): under `tsx` each child would carry its loader thread and esbuild service, about 35 MB of RSS that
 * the bot does not have in production. Should esbuild not be importable, children fall back to `node --import tsx`
 * (and the memory figures then include that overhead; the run says so).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';
import type { CallMessage, ChildMessage } from './protocol.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT_DIR = resolve(BENCH_DIR, '..');
export const RESULTS_DIR = join(ROOT_DIR, 'bench-results');
const BUILD_DIR = join(RESULTS_DIR, '.build');

export type ChildName = 'botProcess' | 'bareHono' | 'bareClient' | 'tap';
const CHILDREN: readonly ChildName[] = ['botProcess', 'bareHono', 'bareClient', 'tap'];

/** How children are run: bundled (plain node) or through tsx. */
let runner: 'bundle' | 'tsx' = 'tsx';

/** Bundles every child once per run (about a second). Returns how children will run. */
export async function bundleChildren(): Promise<'bundle' | 'tsx'> {
	mkdirSync(BUILD_DIR, { recursive: true });
	let esbuild: typeof Esbuild;
	try {
		esbuild = await import('esbuild');
	} catch {
		runner = 'tsx';
		return runner;
	}
	await esbuild.build({
		entryPoints: CHILDREN.map((name) => join(BENCH_DIR, 'children', `${name}.ts`)),
		outdir: BUILD_DIR,
		outExtension: { '.js': '.mjs' },
		bundle: true,
		packages: 'external',
		platform: 'node',
		format: 'esm',
		target: 'node20',
		sourcemap: true,
		keepNames: true,
		logLevel: 'warning',
	});
	runner = 'bundle';
	return runner;
}

export interface Child {
	readonly name: ChildName;
	readonly process: ChildProcess;
	/** The port the child reported when ready (0 when it serves none). */
	readonly port: number;
	/** Resolves with the exit code (or signal name) when the child exits. */
	readonly exited: Promise<number | string | null>;
	call<T>(method: string, timeoutMs?: number): Promise<T>;
	/** Asks the child to stop cleanly (its `stop` method) and waits for it to exit; kills it after `timeoutMs`. */
	stop(timeoutMs?: number): Promise<void>;
	kill(): void;
}

export interface StartChildOptions {
	env: Record<string, string>;
	/** stdout and stderr go here. */
	logFile: string;
	/** Extra node flags, e.g. `--cpu-prof`. */
	nodeArgs?: string[];
	readyTimeoutMs?: number;
}

export async function startChild(name: ChildName, options: StartChildOptions): Promise<Child> {
	mkdirSync(dirname(options.logFile), { recursive: true });
	const logFd = openSync(options.logFile, 'a');
	const entry = runner === 'bundle' ? join(BUILD_DIR, `${name}.mjs`) : join(BENCH_DIR, 'children', `${name}.ts`);
	const child = fork(entry, [], {
		cwd: ROOT_DIR,
		env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', ...options.env },
		execArgv: [...(runner === 'tsx' ? ['--import', 'tsx'] : []), ...(options.nodeArgs ?? [])],
		stdio: ['ignore', logFd, logFd, 'ipc'],
	});
	closeSync(logFd);

	const exited = new Promise<number | string | null>((resolveExit) => {
		child.once('exit', (code, signal) => resolveExit(code ?? signal));
	});
	let nextId = 1;
	const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
	let readyPort: number | undefined;
	let onReady: ((port: number) => void) | undefined;
	let onFatal: ((error: Error) => void) | undefined;

	child.on('message', (message: ChildMessage) => {
		switch (message.kind) {
			case 'ready':
				readyPort = message.port;
				onReady?.(message.port);
				break;
			case 'fatal':
				onFatal?.(new Error(`${name} failed to start: ${message.error}`));
				break;
			case 'reply': {
				const waiter = pending.get(message.id);
				if (!waiter) break;
				pending.delete(message.id);
				if (message.ok) waiter.resolve(message.result);
				else waiter.reject(new Error(`${name}: ${message.error}`));
				break;
			}
		}
	});
	void exited.then((code) => {
		for (const waiter of pending.values()) waiter.reject(new Error(`${name} exited (${String(code)})`));
		pending.clear();
		onFatal?.(new Error(`${name} exited (${String(code)}) before it was ready; see ${options.logFile}`));
	});

	const port = await new Promise<number>((resolveReady, rejectReady) => {
		const timer = setTimeout(
			() => rejectReady(new Error(`${name} not ready within ${options.readyTimeoutMs ?? 60_000} ms`)),
			options.readyTimeoutMs ?? 60_000,
		);
		onReady = (value) => {
			clearTimeout(timer);
			resolveReady(value);
		};
		onFatal = (error) => {
			clearTimeout(timer);
			rejectReady(error);
		};
		if (readyPort !== undefined) onReady(readyPort);
	}).catch((error: unknown) => {
		child.kill('SIGKILL');
		throw error;
	});
	onFatal = undefined;

	const handle: Child = {
		name,
		process: child,
		port,
		exited,
		call<T>(method: string, timeoutMs = 120_000): Promise<T> {
			const id = nextId++;
			return new Promise<T>((resolveCall, rejectCall) => {
				const timer = setTimeout(() => {
					pending.delete(id);
					rejectCall(new Error(`${name}.${method} did not answer within ${timeoutMs} ms`));
				}, timeoutMs);
				pending.set(id, {
					resolve: (value) => {
						clearTimeout(timer);
						resolveCall(value as T);
					},
					reject: (error) => {
						clearTimeout(timer);
						rejectCall(error);
					},
				});
				child.send({ kind: 'call', id, method } satisfies CallMessage);
			});
		},
		async stop(timeoutMs = 20_000) {
			if (child.exitCode !== null || child.signalCode !== null) return;
			const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
			try {
				await handle.call('stop', timeoutMs).catch(() => undefined);
				await exited;
			} finally {
				clearTimeout(timer);
			}
		},
		kill() {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		},
	};
	return handle;
}
