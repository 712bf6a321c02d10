import { Client } from 'discord.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { shardingOptions } from '../../src/discord/sharding.js';

describe('shardingOptions', () => {
	afterEach(() => {
		vi.unstubAllEnvs();
	});

	it('asks discord.js for the recommended count in auto mode, and runs the listed ids of a fixed count', () => {
		expect(shardingOptions('auto').shards).toBe('auto');
		expect(shardingOptions({ count: 4, ids: [2, 3] })).toEqual({ shards: [2, 3], shardCount: 4 });
		expect(shardingOptions({ count: 1, ids: [0] })).toEqual({ shards: [0], shardCount: 1 });
	});

	// discord.js's Client reads SHARD_COUNT from the environment when `shardCount` is left at its default.
	it.each(['auto', '', '3'])('builds a client in auto mode whatever SHARD_COUNT=%j says', (value) => {
		vi.stubEnv('SHARD_COUNT', value);
		const client = new Client({ intents: [], ...shardingOptions('auto') });
		expect(client.options.shards).toBe('auto');
	});

	it('builds a client running some shards of a fixed count', () => {
		vi.stubEnv('SHARD_COUNT', '2');
		const client = new Client({ intents: [], ...shardingOptions({ count: 2, ids: [1] }) });
		expect(client.options.shards).toEqual([1]);
		expect(client.options.shardCount).toBe(2);
	});
});
