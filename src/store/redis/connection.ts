/**
 * One connection to a Redis server, shared by every collection of the store (the claims open one of their own), with
 * every command bounded in time.
 *
 * node-redis, by default, queues commands while it reconnects and sends them once the server is back: with the server
 * gone, every store call would wait for as long as the outage lasts. Here the offline queue is off, so a command
 * while disconnected fails at once, and reconnection goes on in the background (back-off up to 2 s, for ever): the
 * store answers again as soon as the server does, without a restart. A server that holds the connection open but
 * does not answer (frozen, or a network that drops packets) is caught by each call's time-out instead.
 */
import { createClient, defaultReconnectStrategy } from '@keyv/redis';
import type { Logger } from '../../logger.js';
import { DEFAULT_STORE_TIMEOUT_MS, withinStoreTime } from '../unavailable.js';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnectionOptions {
	/** How long one call may take before it rejects with `StoreUnavailableError` (default 2 s). */
	timeoutMs?: number;
	/** Told once when the connection is lost and once when it is back. */
	logger?: Logger;
}

/** How long closing waits for commands in flight before dropping the connection. */
const CLOSE_GRACE_MS = 1_000;
/**
 * Each Keyv adapter over the shared client listens to its events (four listeners per collection, a dozen
 * collections): above Node's default of 10, which is there to catch leaks, not a known number of users.
 */
const MAX_LISTENERS = 100;

/**
 * Keyv's commands on plain string keys cannot fail for a reason of their own: every failure is the server not being
 * reachable, or answering that it cannot serve now (LOADING, MASTERDOWN, READONLY…). Either way, try again later.
 */
const isUnavailable = (): boolean => true;

export class RedisConnection {
	public readonly client: RedisClient;
	public readonly timeoutMs: number;
	/** The first connection: calls made before it wait for it (bounded), as the offline queue would have. */
	private readonly connected: Promise<void>;
	private closing: Promise<void> | undefined;

	private constructor(url: string, options: RedisConnectionOptions) {
		this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
		this.client = createClient({
			url,
			disableOfflineQueue: true,
			socket: { reconnectStrategy: defaultReconnectStrategy, connectTimeout: this.timeoutMs },
		});
		this.client.setMaxListeners(MAX_LISTENERS);
		let lost = false;
		this.client.on('error', (error: unknown) => {
			if (lost || this.closing) return;
			lost = true;
			options.logger?.error({ err: error }, 'Lost the connection to the Redis store; reconnecting');
		});
		this.client.on('ready', () => {
			if (!lost) return;
			lost = false;
			options.logger?.info('Reconnected to the Redis store');
		});
		this.connected = this.client.connect().then(() => undefined);
		this.connected.catch(() => undefined);
	}

	public static open(url: string, options: RedisConnectionOptions = {}): RedisConnection {
		return new RedisConnection(url, options);
	}

	/** Runs `command` on the client, bounded by the time-out; a failure is a `StoreUnavailableError`. */
	public async call<T>(what: string, command: (client: RedisClient) => Promise<T>): Promise<T> {
		return withinStoreTime(
			this.connected.then(async () => command(this.client)),
			this.timeoutMs,
			`Redis ${what}`,
			isUnavailable,
		);
	}

	/**
	 * Closes gracefully (commands in flight get their answers) when the server is there; otherwise, or when that takes
	 * over a second, drops the connection: with the server gone a graceful close would wait for a reconnection that
	 * may never come, and shutdown with it.
	 */
	public async close(): Promise<void> {
		this.closing ??= (async () => {
			if (!this.client.isOpen) return;
			if (!this.client.isReady) {
				this.client.destroy();
				return;
			}
			let timer: NodeJS.Timeout | undefined;
			const closed = await Promise.race([
				this.client.close().then(
					() => true,
					() => false,
				),
				new Promise<false>((resolveLate) => {
					timer = setTimeout(() => resolveLate(false), CLOSE_GRACE_MS);
				}),
			]);
			clearTimeout(timer);
			if (!closed && this.client.isOpen) this.client.destroy();
		})();
		return this.closing;
	}
}
