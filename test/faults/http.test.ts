/**
 * The bot's HTTP server faces the internet (the provider's callbacks reach it there): slow or idle clients must not
 * hold it, `/metrics` is not for the public, and `/readyz`, unauthenticated, costs the store next to nothing.
 * Each test runs the real bot (`startWorld`) and talks to its port over raw sockets or fetch.
 */
import { connect, type Socket } from 'node:net';
import Keyv from 'keyv';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signJobId } from '../../src/server/callbackSigning.js';
import { eventually, startWorld, type World, type WorldOptions } from '../e2e/harness.js';

const CALLBACK_SECRET = 'callback-secret-of-the-http-faults';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

let world: World | undefined;
afterEach(async () => {
	vi.restoreAllMocks();
	await world?.close();
	world = undefined;
});

async function open(options: WorldOptions): Promise<World> {
	world = await startWorld(options);
	return world;
}

/** Rejects when `promise` has not settled within `ms`: the bound a member (or operator) can count on. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
	});
	try {
		return await Promise.race([promise, late]);
	} finally {
		clearTimeout(timer);
	}
}

/** Whether a TCP connection to `host:port` is refused (nobody listens on that address). */
async function connectionRefused(host: string, port: number): Promise<boolean> {
	const socket = connect(port, host);
	return new Promise((resolve) => {
		socket.once('connect', () => {
			socket.destroy();
			resolve(false);
		});
		socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
	});
}

/** A raw TCP client that records everything it is sent and when the server closed on it. */
class RawClient {
	public received = '';
	public readonly closed: Promise<void>;
	private readonly socket: Socket;

	private constructor(socket: Socket) {
		this.socket = socket;
		socket.setEncoding('utf8');
		socket.on('data', (chunk: string) => {
			this.received += chunk;
		});
		// A connection refused at the cap may be reset rather than ended: both mean the server let it go.
		socket.on('error', () => undefined);
		this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
	}

	public static async open(port: number): Promise<RawClient> {
		const socket = connect(port, '127.0.0.1');
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', resolve);
			socket.once('error', reject);
		});
		return new RawClient(socket);
	}

	public get isOpen(): boolean {
		return !this.socket.destroyed;
	}

	public write(text: string): void {
		if (!this.socket.destroyed) this.socket.write(text);
	}

	/** Sends a keep-alive GET and resolves with the status line of its answer (or undefined if the server closed). */
	public async get(path: string): Promise<string | undefined> {
		const from = this.received.length;
		this.write(`GET ${path} HTTP/1.1\r\nHost: bot\r\nConnection: keep-alive\r\n\r\n`);
		const answered = (async () => {
			for (;;) {
				const text = this.received.slice(from);
				// The bodies here are small JSON with a length: the answer is whole once its body is.
				const headEnd = text.indexOf('\r\n\r\n');
				const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, headEnd))?.[1];
				if (headEnd >= 0 && length && text.length >= headEnd + 4 + Number(length)) return text.slice(0, 12);
				if (!this.isOpen) return undefined;
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
		})();
		return answered;
	}

	public destroy(): void {
		this.socket.destroy();
	}
}

/** Writes `text` one byte at a time, `gapMs` apart, until the server closes the connection or the text runs out. */
async function trickle(client: RawClient, text: string, gapMs: number): Promise<number> {
	let sent = 0;
	for (const byte of text) {
		if (!client.isOpen) break;
		client.write(byte);
		sent++;
		await new Promise((resolve) => setTimeout(resolve, gapMs));
	}
	return sent;
}

describe('slow clients are cut off', () => {
	it('a client sending its headers byte by byte is answered 408 and dropped; others are served meanwhile', async () => {
		// The request time-out stays at its default (30 s): what cuts this client off is the headers' own.
		const w = await open({ env: { HTTP_HEADERS_TIMEOUT_MS: '500' } });
		const slow = await RawClient.open(w.bot.port);
		// Far more header bytes than 500 ms allows at 20 ms each: they never end on their own.
		const headers = `GET /healthz HTTP/1.1\r\nHost: bot\r\nX-Slow: ${'a'.repeat(2_000)}\r\n\r\n`;
		const sending = trickle(slow, headers, 20);

		expect((await fetch(`http://127.0.0.1:${w.bot.port}/healthz`)).status).toBe(200);
		// Bound: the time-out, plus Node's check interval (≤ 1 s), plus slack for a busy machine.
		await within(5_000, slow.closed, 'cutting off the slow client');
		const sent = await sending;
		expect(sent).toBeLessThan(headers.length);
		expect(slow.received).toMatch(/^HTTP\/1\.1 408/);
		expect((await fetch(`http://127.0.0.1:${w.bot.port}/healthz`)).status).toBe(200);
	});

	it('a callback whose body trickles in is answered 408 and dropped, and never reaches the job', async () => {
		const w = await open({
			callbacks: true,
			env: { CALLBACK_SECRET, HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' },
		});
		const discordBefore = w.discord.requests.length;
		const slow = await RawClient.open(w.bot.port);
		const body = JSON.stringify({ code: 200, msg: 'success', data: { taskId: 't', resultUrls: [] } }).padEnd(400);
		slow.write(
			`POST /callbacks/mj/job-1?sig=${signJobId(CALLBACK_SECRET, 'job-1')} HTTP/1.1\r\nHost: bot\r\n` +
				`Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
		);
		const sending = trickle(slow, body, 20);
		await within(5_000, slow.closed, 'cutting off the slow callback');
		expect(await sending).toBeLessThan(body.length);
		expect(slow.received).toMatch(/^HTTP\/1\.1 408/);
		expect(w.mj.recordInfoRequests).toEqual([]);
		expect(w.discord.requests.length).toBe(discordBefore);
	});
});

describe('HTTP_MAX_CONNECTIONS', () => {
	it('refuses connections beyond the cap while answering those it holds, and takes new ones once some close', async () => {
		const cap = 4;
		const w = await open({
			env: { HTTP_MAX_CONNECTIONS: String(cap), HTTP_KEEP_ALIVE_TIMEOUT_MS: '60000' },
		});
		const held: RawClient[] = [];
		for (let index = 0; index < cap; index++) {
			const client = await RawClient.open(w.bot.port);
			held.push(client);
			expect(await client.get('/healthz')).toBe('HTTP/1.1 200');
		}

		const refused = await RawClient.open(w.bot.port);
		expect(await within(5_000, refused.get('/healthz'), 'the refusal')).toBeUndefined();
		expect(refused.received).toBe('');

		// Those already held are still answered, again and again.
		for (const client of held) expect(await client.get('/healthz')).toBe('HTTP/1.1 200');

		held[0]!.destroy();
		await eventually(async () => {
			const client = await RawClient.open(w.bot.port);
			const status = await client.get('/healthz');
			client.destroy();
			return status === 'HTTP/1.1 200';
		}, 'a new connection once one of the held ones closed');
		for (const client of held) client.destroy();
	});
});

describe('/metrics is not public', () => {
	const read = async (url: string, token?: string) =>
		fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

	it('on the main port: 404 without METRICS_TOKEN', async () => {
		const w = await open({});
		expect((await read(`http://127.0.0.1:${w.bot.port}/metrics`)).status).toBe(404);
		expect(w.bot.metricsPort).toBeUndefined();
	});

	it('on the main port with METRICS_TOKEN: 401 without the token or with another, 200 with it', async () => {
		const w = await open({ env: { METRICS_TOKEN } });
		const url = `http://127.0.0.1:${w.bot.port}/metrics`;
		const refused = await read(url);
		expect(refused.status).toBe(401);
		expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
		expect(await refused.text()).not.toContain('mjbot_');
		expect((await read(url, 'another-token-0123456789abcdef')).status).toBe(401);
		const authorised = await read(url, METRICS_TOKEN);
		expect(authorised.status).toBe(200);
		expect(await authorised.text()).toContain('mjbot_process_');
	});

	it('on METRICS_PORT: bound to loopback, /metrics only, and the token still required when set', async () => {
		const w = await open({ env: { METRICS_PORT: '0', METRICS_TOKEN } });
		expect(w.bot.metricsPort).toBeGreaterThan(0);
		const base = `http://127.0.0.1:${w.bot.metricsPort}`;
		expect((await read(`${base}/metrics`)).status).toBe(401);
		expect((await read(`${base}/metrics`, METRICS_TOKEN)).status).toBe(200);
		expect((await read(`${base}/healthz`)).status).toBe(404);
		// Bound to 127.0.0.1 itself, not to every address: another loopback address of this machine finds nobody there.
		expect(await connectionRefused('127.0.0.2', w.bot.metricsPort!)).toBe(true);
	});

	it('on METRICS_PORT without a token: open there, still 404 on the main port', async () => {
		const w = await open({ env: { METRICS_PORT: '0' } });
		expect((await read(`http://127.0.0.1:${w.bot.metricsPort}/metrics`)).status).toBe(200);
		expect((await read(`http://127.0.0.1:${w.bot.port}/metrics`)).status).toBe(404);
	});
});

describe('/readyz', () => {
	it('answers a flood of 100 requests with a handful of store reads and no write', async () => {
		const w = await open({});
		const url = `http://127.0.0.1:${w.bot.port}/readyz`;
		// Warm up: the first answer is a real probe.
		expect((await fetch(url)).status).toBe(200);
		await w.bot.jobs.idle();

		const reads = ['get', 'getMany', 'getRaw', 'getManyRaw', 'has', 'hasMany'] as const;
		const writes = ['set', 'setMany', 'delete', 'deleteMany', 'clear'] as const;
		const readSpies = reads.map((name) => vi.spyOn(Keyv.prototype, name));
		const writeSpies = writes.map((name) => vi.spyOn(Keyv.prototype, name));
		const count = (spies: Array<{ mock: { calls: unknown[] } }>) =>
			spies.reduce((sum, spy) => sum + spy.mock.calls.length, 0);

		// 50 at once, then 50 one after the other.
		const started = Date.now();
		const together = await Promise.all(Array.from({ length: 50 }, async () => (await fetch(url)).status));
		const inTurn: number[] = [];
		for (let index = 0; index < 50; index++) inTurn.push((await fetch(url)).status);
		expect([...together, ...inTurn].every((status) => status === 200)).toBe(true);

		// Each probe is one read, asked at most every 2 s: a handful, however long a busy machine took over the 100.
		const elapsedMs = Date.now() - started;
		expect(count(writeSpies)).toBe(0);
		expect(count(readSpies)).toBeLessThanOrEqual(2 + Math.ceil(elapsedMs / 2_000));
	});
});
