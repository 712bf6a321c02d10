/**
 * @keyv/redis over a shared {@link RedisConnection}: the same keys and values as before (files of data written by
 * earlier versions stay readable), with every call bounded in time and every failure thrown (by default the adapter
 * would answer "no such value" for a read the server never got).
 */
import KeyvRedis from '@keyv/redis';
import type { RedisConnection } from './connection.js';

export class RedisKeyvStore extends KeyvRedis<unknown> {
	public constructor(private readonly redis: RedisConnection) {
		super(redis.client);
		this.throwOnErrors = true;
	}

	public override async get<U>(key: string): Promise<U | undefined> {
		return this.redis.call('GET', async () => super.get<U>(key));
	}

	public override async getMany<U>(keys: string[]): Promise<Array<U | undefined>> {
		return this.redis.call('MGET', async () => super.getMany<U>(keys));
	}

	public override async set(key: string, value: string, ttl?: number): Promise<void> {
		return this.redis.call('SET', async () => super.set(key, value, ttl));
	}

	public override async setMany(entries: Parameters<KeyvRedis<unknown>['setMany']>[0]): Promise<void> {
		return this.redis.call('MULTI SET', async () => super.setMany(entries));
	}

	/**
	 * Stores the serialised value unless the key exists (`SET NX`): of several processes doing it at once, exactly one
	 * writes.
	 */
	public async setIfAbsent(key: string, value: string): Promise<void> {
		const prefixed = this.createKeyPrefix(key, this.namespace);
		await this.redis.call('SET NX', async (client) => client.set(prefixed, value, { NX: true }));
	}

	public override async has(key: string): Promise<boolean> {
		return this.redis.call('EXISTS', async () => super.has(key));
	}

	public override async hasMany(keys: string[]): Promise<boolean[]> {
		return this.redis.call('MULTI EXISTS', async () => super.hasMany(keys));
	}

	public override async delete(key: string): Promise<boolean> {
		return this.redis.call('UNLINK', async () => super.delete(key));
	}

	public override async deleteMany(keys: string[]): Promise<boolean> {
		return this.redis.call('MULTI UNLINK', async () => super.deleteMany(keys));
	}

	public override async clear(): Promise<void> {
		return this.redis.call('SCAN and UNLINK', async () => super.clear());
	}

	/** Each page of the scan is bounded on its own: a long iteration is fine, a stalled one is not. */
	public override async *iterator<U>(namespace?: string): AsyncGenerator<[string, U | undefined], void, unknown> {
		const pages = super.iterator<U>(namespace);
		try {
			for (;;) {
				const next = await this.redis.call('SCAN', async () => pages.next());
				if (next.done) return;
				yield next.value;
			}
		} finally {
			// A caller that stopped early (or a page that timed out) leaves no scan suspended.
			void pages.return(undefined).catch(() => undefined);
		}
	}

	/** The connection belongs to the store, which closes it once for every collection. */
	public override async disconnect(): Promise<void> {}
}
