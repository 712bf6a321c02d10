/**
 * The bot, alone in its process so its memory can be measured cleanly: `startBot` with a config from `parseConfig`
 * (the environment is set by the bench), logs to stdout (the bench sends them to a file).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { startBot, type Bot } from '../../src/bot.js';
import { parseConfig } from '../../src/config.js';
import { BotRest } from '../../src/discord/rest.js';
import { createLogger } from '../../src/logger.js';
import { reportFatal, reportReady, serveCalls, type MemorySample } from '../protocol.js';
import { drainStages, startRecording, stopRecording } from './stageRecorder.js';
import { startCountingStore, stopCountingStore } from './storeCounter.js';

let peakRss = 0;
const sampler = setInterval(() => {
	peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 25);
sampler.unref();

function memory(): MemorySample {
	const usage = process.memoryUsage();
	peakRss = Math.max(peakRss, usage.rss);
	return {
		rss: usage.rss,
		heapUsed: usage.heapUsed,
		heapTotal: usage.heapTotal,
		external: usage.external,
		arrayBuffers: usage.arrayBuffers,
		peakRss,
	};
}

/** Resident kilobytes of the process's mappings by kind, from /proc/self/smaps (Linux; empty elsewhere). */
function residentByMapping(): Record<string, number> {
	let text: string;
	try {
		text = readFileSync('/proc/self/smaps', 'utf8');
	} catch {
		return {};
	}
	const totals: Record<string, number> = {};
	let kind = 'anonymous';
	for (const line of text.split('\n')) {
		const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
		if (mapping) {
			const name = mapping[1] ?? '';
			// Anonymous mappings hold V8's heap and malloc's thread arenas; [heap] is malloc's main arena (brk).
			kind = name === '' ? 'anonymous' : name.startsWith('[') ? name : name.includes('.node') ? 'addons' : 'files';
			continue;
		}
		const rss = /^Rss:\s+(\d+) kB/.exec(line);
		if (rss) totals[kind] = (totals[kind] ?? 0) + Number(rss[1]);
	}
	return totals;
}

/**
 * Where the memory is: V8's spaces (used / committed), what V8 itself mallocs, the resident size of each kind of
 * mapping, and the sizes of the discord.js structures that grow with traffic.
 */
function breakdown(bot: Bot): Record<string, unknown> {
	const heap = getHeapStatistics();
	const spaces: Record<string, { usedKB: number; committedKB: number }> = {};
	for (const space of getHeapSpaceStatistics()) {
		spaces[space.space_name] = {
			usedKB: Math.round(space.space_used_size / 1024),
			committedKB: Math.round(space.physical_space_size / 1024),
		};
	}
	const { rest } = bot.client;
	return {
		memory: memory(),
		v8: {
			totalPhysicalKB: Math.round(heap.total_physical_size / 1024),
			mallocedKB: Math.round(heap.malloced_memory / 1024),
			externalKB: Math.round(heap.external_memory / 1024),
			spaces,
		},
		residentKB: residentByMapping(),
		discord: {
			restHandlers: rest.handlers.size,
			restHashes: rest.hashes.size,
			webhookHandlers: rest instanceof BotRest ? rest.webhooks.handlers.size : 0,
			guilds: bot.client.guilds.cache.size,
			channels: bot.client.channels.cache.size,
			users: bot.client.users.cache.size,
		},
	};
}

async function main(): Promise<void> {
	const config = parseConfig(process.env);
	const bot: Bot = await startBot({ config, logger: createLogger(config.logLevel) });
	serveCalls({
		startStages: () => startRecording(bot.client),
		drainStages,
		stopStages: () => stopRecording(bot.client),
		startCountingStore,
		stopCountingStore,
		memory,
		resetPeak: () => {
			peakRss = process.memoryUsage.rss();
			return peakRss;
		},
		gc: () => {
			const collect = (globalThis as { gc?: () => void }).gc;
			collect?.();
			return collect !== undefined;
		},
		idle: async () => bot.jobs.idle(),
		breakdown: () => breakdown(bot),
		/** Writes a heap snapshot under bench-results/profiles/ (the child runs in the repository root). */
		heapSnapshot: () => {
			const directory = join('bench-results', 'profiles');
			mkdirSync(directory, { recursive: true });
			return writeHeapSnapshot(join(directory, `bot-${process.pid}-${Date.now()}.heapsnapshot`));
		},
		stop: async () => {
			await bot.stop();
			setImmediate(() => process.exit(0));
			return true;
		},
	});
	reportReady(bot.port);
}

main().catch(reportFatal);
