/**
 * A throwaway redis-server on 127.0.0.1 for tests that need the Redis store. `.ci/run` installs redis-server from
 * Debian's packages; each test run starts its own instance with persistence off and stops it afterwards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export interface RedisServer {
	url: string;
	port: number;
	stop(): Promise<void>;
	/** Stops the process without ending it (SIGSTOP): connections stay open and nothing is answered. */
	freeze(): void;
	/** Lets a frozen server go on (SIGCONT). */
	thaw(): void;
}

export interface RedisServerOptions {
	/** Keeps the data in this folder (append-only file, every write synced), so a restart on it finds it again. */
	dataDir?: string;
}

async function freePort(): Promise<number> {
	const server = net.createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

async function answersPing(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		socket.once('error', () => resolve(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.once('data', (data) => {
			socket.destroy();
			resolve(data.toString().startsWith('+PONG'));
		});
	});
}

/**
 * Starts redis-server on a free loopback port, or on `port` (to bring a stopped server back where clients expect it),
 * without persistence unless `options.dataDir` is given.
 */
export async function startRedis(port?: number, options: RedisServerOptions = {}): Promise<RedisServer> {
	port ??= await freePort();
	const persistence = options.dataDir
		? ['--dir', options.dataDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
		: ['--save', '', '--appendonly', 'no'];
	const child: ChildProcess = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), ...persistence], {
		stdio: 'ignore',
	});
	const failed = once(child, 'error').then(([error]) => {
		throw new Error(`redis-server could not start (is it installed? .ci/run installs it): ${String(error)}`);
	});
	const deadline = Date.now() + 10_000;
	for (;;) {
		const ready = await Promise.race([answersPing(port), failed]);
		if (ready) break;
		if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		async stop() {
			if (child.exitCode !== null) return;
			const exited = once(child, 'exit');
			child.kill('SIGCONT'); // A frozen server would not act on SIGTERM.
			child.kill('SIGTERM');
			await exited;
		},
		freeze() {
			child.kill('SIGSTOP');
		},
		thaw() {
			child.kill('SIGCONT');
		},
	};
}

/**
 * Whether the Redis scenarios run: where redis-server is installed, and always in CI (where its absence then fails the
 * run). On a fresh machine with Node only, `npm test` still passes and warns what it left out.
 */
export const REDIS_TESTS_ENABLED = ((): boolean => {
	try {
		execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
		return true;
	} catch {
		return Boolean(process.env.CI);
	}
})();
