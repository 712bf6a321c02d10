/**
 * Defer latency: N interactions dispatched at once over the fake gateway; for each, the time from its dispatch to the
 * interaction callback (the defer) reaching the fake Discord, as noted by the TCP tap at the fake's door (so the
 * fake's own handling of the burst does not count). Baseline: a bare discord.js client that defers every interaction
 * and does nothing else, on a second fake Discord with its own tap, measured the same way in the same run.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { RESULTS_DIR, startChild } from '../child.js';
import type { BenchContext } from '../context.js';
import { epochNow, type TapMark } from '../protocol.js';
import { ratioOf, type Figure } from '../report.js';
import { percentile, round, sleep } from '../stats.js';
import { startTap } from '../world.js';

const TARGET_P99_MS = 25;
const WARMUP = 10;

interface Burst {
	latencies: number[];
	tokens: string[];
}

/** Dispatches `count` /imagine commands back to back; resolves with each one's dispatch → defer latency. */
async function burst(
	discord: FakeDiscord,
	marks: () => Promise<readonly TapMark[]>,
	count: number,
	tag: string,
): Promise<Burst> {
	const sent: Array<{ token: string; at: number }> = [];
	for (let i = 0; i < count; i++) {
		const handle = discord.sendCommand({
			name: 'imagine',
			options: [{ name: 'prompt', type: 3, value: `defer ${tag} ${i}: a fox in the snow` }],
		});
		sent.push({ token: handle.token, at: epochNow() });
	}
	const wanted = new Map(sent.map((entry) => [entry.token, entry.at]));
	const arrivals = new Map<string, number>();
	const deadline = Date.now() + 30_000;
	while (arrivals.size < count) {
		if (Date.now() > deadline) throw new Error(`only ${arrivals.size}/${count} interaction callbacks (${tag})`);
		await sleep(20);
		for (const [at, line] of await marks()) {
			const match = /^POST \/api\/v10\/interactions\/\d+\/([^/]+)\/callback/.exec(line);
			const token = match?.[1];
			if (token !== undefined && wanted.has(token) && !arrivals.has(token)) arrivals.set(token, at);
		}
	}
	return {
		latencies: sent.map((entry) => (arrivals.get(entry.token) ?? Number.NaN) - entry.at),
		tokens: sent.map((entry) => entry.token),
	};
}

async function baselineBurst(context: BenchContext): Promise<Burst> {
	const discord = await startFakeDiscord({ validate: false });
	const tap = await startTap(discord.baseUrl, join(RESULTS_DIR, 'logs', `${context.runId}-bare-tap.log`));
	const seen: TapMark[] = [];
	const marks = async (): Promise<TapMark[]> => {
		seen.push(...(await tap.call<TapMark[]>('drain')));
		return seen;
	};
	const identified = discord.waitForIdentify();
	const client = await startChild('bareClient', {
		env: { DISCORD_API_URL: `http://127.0.0.1:${tap.port}/api`, DISCORD_TOKEN: 'bench-bare-token' },
		logFile: join(RESULTS_DIR, 'logs', `${context.runId}-bare-client.log`),
	});
	try {
		await identified;
		await burst(discord, marks, WARMUP, 'bare-warmup');
		await sleep(300);
		return await burst(discord, marks, context.sizes.deferInteractions, 'bare');
	} finally {
		await client.stop();
		await tap.stop();
		await discord.close();
	}
}

export async function deferLatencyFigure(context: BenchContext): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	const count = sizes.deferInteractions;

	const base = await baselineBurst(context);
	context.log(
		`  bare discord.js: p50 ${round(percentile(base.latencies, 50))} ms, p99 ${round(percentile(base.latencies, 99))} ms`,
	);

	const marks = async (): Promise<readonly TapMark[]> => world.collectTap();
	const generatesBefore = world.mj.generateRequests.length;
	await burst(world.discord, marks, WARMUP, 'bot-warmup');
	await world.mj.waitForGenerate(generatesBefore + WARMUP - 1, 30_000);
	await sleep(300);
	const bot = await burst(world.discord, marks, count, 'bot');
	// Let the jobs these commands started finish submitting before the next figure.
	await world.mj.waitForGenerate(generatesBefore + WARMUP + count - 1, 60_000);
	const p50 = percentile(bot.latencies, 50);
	const p99 = percentile(bot.latencies, 99);
	const baseP99 = percentile(base.latencies, 99);
	const pass = p99 <= TARGET_P99_MS;
	return {
		id: 'defer-latency',
		name: 'defer latency p99',
		unit: 'ms',
		value: round(p99),
		baseline: round(baseP99),
		baselineLabel: 'bare discord.js p99',
		ratio: ratioOf(p99, baseP99),
		target: `p99 ≤ ${TARGET_P99_MS} ms`,
		pass,
		notes: [
			`${count} at once: p50 ${round(p50)} ms, p99 ${round(p99)} ms, max ${round(Math.max(...bot.latencies))} ms (bare client p50 ${round(percentile(base.latencies, 50))} ms)`,
		],
		details: {
			interactions: count,
			p50Ms: round(p50),
			p99Ms: round(p99),
			maxMs: round(Math.max(...bot.latencies)),
			baselineP50Ms: round(percentile(base.latencies, 50)),
			baselineP99Ms: round(baseP99),
			latenciesMs: bot.latencies.map((value) => round(value)),
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}
