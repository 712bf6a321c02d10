/**
 * A server event: N `/imagine` (10 000 full, 2 000 quick) arriving within seconds on the gateway, at most 20
 * unacknowledged at a time, on a fresh bot run as the container runs it, with the provider's real submit limit
 * (20 per 10 s): nearly every job waits in the bot's own queue. Measured: whether every interaction was acknowledged
 * within Discord's 3 s; RSS right after the burst and its peak over the burst and a watch window after it; the bot's
 * CPU seconds over both; and the Discord requests per second the bot spends on members who wait (edits of their
 * "queued" reply as their position moves) during the watch window: what an owner watching a launch event would see.
 */
import { performance } from 'node:perf_hooks';
import { MEMORY_BOUND_BYTES, type BenchContext } from '../context.js';
import type { MemorySample } from '../protocol.js';
import { ratioOf, type Figure } from '../report.js';
import { percentile, round, sleep } from '../stats.js';
import { deployedRuntime, describeBreakdown, type Breakdown } from './memory.js';

const MB = 1024 * 1024;
const ACK_LIMIT_MS = 3000;

/** The start of the reply a member gets when the bot's store did not answer in time (English catalogue). */
const STORE_REFUSAL = 'The bot cannot take work right now';

/** Whether a recorded request tells a member the store is unavailable (their command was not taken). */
function isStoreRefusal(body: unknown): boolean {
	const content = (body as { content?: unknown } | undefined)?.content;
	const embeds = (body as { embeds?: Array<{ description?: unknown }> } | undefined)?.embeds ?? [];
	return [content, ...embeds.map((embed) => embed.description)].some(
		(text) => typeof text === 'string' && text.includes(STORE_REFUSAL),
	);
}

/** Edits of an interaction's own reply without files: its "queued" / "working" message, not a result. */
const REPLY_EDIT = /^\/webhooks\/\d+\/([^/]+)\/messages\/@original$/;

export async function burstFigure(context: BenchContext): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	const count = sizes.burstInteractions;
	world.newStore();
	const bot = await world.startBot({
		label: 'burst',
		env: { ...deployedRuntime(), MJ_SUBMIT_LIMIT: '20', MJ_SUBMIT_WINDOW_MS: '10000' },
	});
	try {
		await sleep(2000);
		await bot.call('gc');
		await sleep(200);
		const idle = await bot.call<MemorySample>('memory');
		await bot.call('resetPeak');
		const generatesBefore = world.mj.generateRequests.length;
		const edits: number[] = [];
		// Edits of a reply after its first ("Queued — position…"): position edits proper, and "Working" once submitted.
		const laterEdits: number[] = [];
		const edited = new Set<string>();
		let storeRefusals = 0;
		let discordRequests = 0;
		const stopCounting = world.discord.onRequest((request) => {
			discordRequests++;
			if (isStoreRefusal(request.body)) storeRefusals++;
			const token = REPLY_EDIT.exec(request.path)?.[1];
			if (request.method !== 'PATCH' || request.files.length > 0 || token === undefined) return;
			edits.push(performance.now());
			if (edited.has(token)) laterEdits.push(performance.now());
			edited.add(token);
		});
		const cpuStart = await bot.call<number>('cpu');
		await bot.call('startCountingStore');
		const dispatched = await world.dispatchBurst(count, { window: 20, timeoutMs: Math.max(60_000, count * 30) });
		// Store round trips per command: every statement the bot ran while the burst was dispatched, over the commands.
		const storeCalls = await bot.call<Array<[string, number, number]>>('stopCountingStore');
		const storeTotal = storeCalls.reduce((sum, [, calls]) => sum + calls, 0);
		const storePerCommand = round(storeTotal / count, 2);
		const storeTop = storeCalls
			.slice(0, 8)
			.map(([sql, calls, maxMs]) => `${round(calls / count, 2)} × ${sql.slice(0, 60)} (slowest ${maxMs} ms)`);
		context.log(`  store statements per command during the burst: ${storePerCommand} (${storeTop.join('; ')})`);
		const cpuAfterBurst = await bot.call<number>('cpu');
		const afterBurst = await bot.call<MemorySample>('memory');
		// Where the memory is right after the burst (V8 heap, malloc, REST handlers: one per interaction token).
		const burstBreakdown = await bot.call<Breakdown>('breakdown');
		context.log(`  right after the burst: ${describeBreakdown(burstBreakdown)}`);
		// What holds the memory (after the figures above: writing a snapshot takes time and memory of its own).
		if (context.heapSnapshots) context.log(`  heap snapshot: ${await bot.call<string>('heapSnapshot')}`);
		context.log(
			`  ${dispatched.acknowledged}/${count} acknowledged in ${round(dispatched.seconds, 1)} s (${dispatched.late} late or missing); RSS ${mb(afterBurst.rss)} MB right after, peak ${mb(afterBurst.peakRss)} MB`,
		);
		const watchFrom = performance.now();
		const requestsAtWatch = discordRequests;
		const rssSamples: number[] = [];
		while (performance.now() - watchFrom < sizes.burstWatchSeconds * 1000) {
			await sleep(1000);
			rssSamples.push((await bot.call<MemorySample>('memory')).rss);
		}
		const watchSeconds = (performance.now() - watchFrom) / 1000;
		const cpuEnd = await bot.call<number>('cpu');
		const end = await bot.call<MemorySample>('memory');
		const endBreakdown = await bot.call<Breakdown>('breakdown');
		stopCounting();
		const submitted = world.mj.generateRequests.length - generatesBefore;
		const editsInWatch = edits.filter((at) => at >= watchFrom);
		const editsPerSecond = perSecond(editsInWatch, watchFrom, sizes.burstWatchSeconds);
		const laterInWatch = laterEdits.filter((at) => at >= watchFrom);
		const laterPerSecond = perSecond(laterInWatch, watchFrom, sizes.burstWatchSeconds);
		const cpuWatchS = (cpuEnd - cpuAfterBurst) / 1000;
		const ackP99 = percentile(dispatched.ackMs, 99);
		// A member told to try again was acknowledged in time but not served.
		const allInTime = dispatched.late === 0 && dispatched.acknowledged === count && storeRefusals === 0;
		const peak = end.peakRss;
		const notes = [
			`${count} interactions dispatched in ${round(dispatched.seconds, 1)} s (≤ 20 unacknowledged): ${dispatched.acknowledged} acknowledged, ${dispatched.late} late (> 3 s) or missing, ${storeRefusals} refused because the store did not answer in time, acknowledgement p50 ${round(percentile(dispatched.ackMs, 50))} ms, p99 ${round(ackP99)} ms`,
			`RSS idle ${mb(idle.rss)} MB, right after the burst ${mb(afterBurst.rss)} MB, peak ${mb(peak)} MB over the burst and ${round(watchSeconds, 0)} s after it (${mb(end.rss)} MB at the end); right after: ${describeBreakdown(burstBreakdown)}`,
			`bot CPU ${round((cpuAfterBurst - cpuStart) / 1000, 1)} s during the burst, ${round(cpuWatchS, 1)} s in the ${round(watchSeconds, 0)} s after (${round((100 * cpuWatchS) / watchSeconds, 0)}% of one core); ${submitted} jobs submitted to the provider meanwhile, the rest waiting in the bot's queue`,
			`Discord requests on waiting members' replies (queue-position edits) in the ${round(watchSeconds, 0)} s after: ${editsInWatch.length} (${round(editsInWatch.length / watchSeconds, 1)}/s, busiest second ${Math.max(0, ...editsPerSecond)}); all Discord requests ${round((discordRequests - requestsAtWatch) / watchSeconds, 1)}/s`,
			`of those, edits of a reply after its first (position edits, and "Working" once submitted): ${laterInWatch.length} (${round(laterInWatch.length / watchSeconds, 1)}/s, busiest second ${Math.max(0, ...laterPerSecond)}); the rest are first replies still being written after the burst`,
			`store statements per command during the burst: ${storePerCommand} (${storeTotal} in all); most frequent per command: ${storeTop.join('; ')}`,
		];
		return {
			id: 'burst',
			name: `burst of ${count} (peak RSS)`,
			unit: 'MB',
			value: mb(peak),
			baseline: mb(idle.rss),
			baselineLabel: 'idle after ready',
			ratio: ratioOf(peak, idle.rss),
			target: `≤ ${MEMORY_BOUND_BYTES / MB} MB; all acknowledged ≤ 3 s, none refused`,
			pass: peak <= MEMORY_BOUND_BYTES && allInTime,
			notes,
			details: {
				interactions: count,
				dispatchSeconds: round(dispatched.seconds, 2),
				acknowledged: dispatched.acknowledged,
				lateOrMissing: dispatched.late,
				storeRefusals,
				storeStatementsPerCommand: storePerCommand,
				storeStatements: storeCalls,
				ackP50Ms: round(percentile(dispatched.ackMs, 50)),
				ackP99Ms: round(ackP99),
				ackLimitMs: ACK_LIMIT_MS,
				rssIdleMB: mb(idle.rss),
				rssAfterBurstMB: mb(afterBurst.rss),
				peakRssMB: mb(peak),
				rssEndMB: mb(end.rss),
				rssSamplesMB: rssSamples.map(mb),
				cpuBurstS: round((cpuAfterBurst - cpuStart) / 1000, 2),
				cpuWatchS: round(cpuWatchS, 2),
				watchSeconds: round(watchSeconds, 1),
				submittedToProvider: submitted,
				queuePositionEditsInWatch: editsInWatch.length,
				queuePositionEditsPerSecond: editsPerSecond,
				queuePositionEditsDuringBurst: edits.length - editsInWatch.length,
				laterReplyEditsInWatch: laterInWatch.length,
				laterReplyEditsPerSecond: laterPerSecond,
				afterBurstBreakdown: burstBreakdown,
				endBreakdown,
				discordRequestsPerSecondInWatch: round((discordRequests - requestsAtWatch) / watchSeconds, 1),
			},
			seconds: round((performance.now() - started) / 1000, 1),
		};
	} finally {
		await world.stopBot();
	}
}

function mb(bytes: number): number {
	return round(bytes / MB, 1);
}

/** Counts per whole second of the window. */
function perSecond(times: readonly number[], from: number, seconds: number): number[] {
	const counts = Array.from({ length: Math.ceil(seconds) + 1 }, () => 0);
	for (const at of times) {
		const second = Math.floor((at - from) / 1000);
		if (second >= 0 && second < counts.length) counts[second] = (counts[second] ?? 0) + 1;
	}
	return counts;
}
