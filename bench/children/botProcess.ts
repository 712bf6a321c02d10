/**
 * The bot, alone in its process so its memory can be measured cleanly: `startBot` with a config from `parseConfig`
 * (the environment is set by the bench), logs to stdout (the bench sends them to a file).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { startBot, type Bot } from '../../src/bot.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { reportFatal, reportReady, serveCalls, type MemorySample } from '../protocol.js';

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

async function main(): Promise<void> {
	const config = parseConfig(process.env);
	const bot: Bot = await startBot({ config, logger: createLogger(config.logLevel) });
	serveCalls({
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
