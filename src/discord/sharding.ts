/**
 * Gateway sharding: which shards the discord.js client of this process runs. Discord splits a bot's guilds over
 * shards by `(guild_id >> 22) % shard_count`; every process runs some shard ids of the same count. Delivery goes
 * through REST, so any process can post to any shard's channels.
 */
import type { ClientOptions } from 'discord.js';
import type { ShardPlan } from '../config.js';

/**
 * discord.js's Client reads `SHARD_COUNT` from the environment (how its ShardingManager hands the count to child
 * processes) whenever the `shardCount` option is left at its default of 1; an `auto` or empty value there fails its
 * option check. With `shards: 'auto'` it ignores `shardCount` and sets it from `GET /gateway/bot` at login, so this
 * stand-in only keeps it from looking.
 */
const SHARD_COUNT_SET_AT_LOGIN = 2;

/** The `shards` and `shardCount` options of the discord.js Client for a shard plan from the config. */
export function shardingOptions(plan: ShardPlan): Pick<ClientOptions, 'shards' | 'shardCount'> {
	if (plan === 'auto') return { shards: 'auto', shardCount: SHARD_COUNT_SET_AT_LOGIN };
	return { shards: [...plan.ids], shardCount: plan.count };
}
