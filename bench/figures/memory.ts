/**
 * Memory and restart backlog, on a fresh bot and store:
 * - memory: RSS once idle after ready (the baseline), then the peak RSS while N jobs are submitted and left pending
 *   (submitted, callbacks never sent), and the store's size on disk;
 * - restart backlog: the bot is stopped (as on SIGTERM) and started again on that store with the N jobs pending; the
 *   provider's record-info queries are counted per 1 s window (sliding) at the provider's proxy, from the new
 *   process's start until `restartWatchSeconds` after it is ready, together with the new process's peak RSS.
 */
import { performance } from 'node:perf_hooks';
import { MEMORY_BOUND_BYTES, PROVIDER_QUERY_LIMIT_PER_S, type BenchContext } from '../context.js';
import { epochNow, type MemorySample } from '../protocol.js';
import { ratioOf, type Figure } from '../report.js';
import { maxInWindow, round, sleep } from '../stats.js';

const MB = 1024 * 1024;

function mb(bytes: number): number {
	return round(bytes / MB, 1);
}

export async function memoryFigures(context: BenchContext): Promise<Figure[]> {
	const started = performance.now();
	const { world, sizes } = context;
	const wanted = sizes.pendingJobs;

	world.newStore();
	const bot = await world.startBot({ label: 'memory' });
	await sleep(2000);
	await bot.call('gc');
	await sleep(200);
	const idle = await bot.call<MemorySample>('memory');
	if (context.heapSnapshots) context.log(`  heap snapshot: ${await bot.call<string>('heapSnapshot')}`);
	context.log(`  idle after ready: RSS ${mb(idle.rss)} MB, heap ${mb(idle.heapUsed)} MB`);

	await bot.call('resetPeak');
	const submitStart = performance.now();
	const submitted = await world.submitJobs(wanted, {
		window: 20,
		budgetMs: sizes.pendingBudgetSeconds * 1000,
		onProgress: (done) => context.log(`  ${done}/${wanted} submitted`),
	});
	const submitSeconds = (performance.now() - submitStart) / 1000;
	const pending = submitted.length;
	const reached = pending === wanted;
	await sleep(1000);
	const loaded = await bot.call<MemorySample>('memory');
	await bot.call('gc');
	await sleep(200);
	const settled = await bot.call<MemorySample>('memory');
	const storeBytes = world.storeBytes();
	if (context.heapSnapshots) context.log(`  heap snapshot: ${await bot.call<string>('heapSnapshot')}`);
	context.log(
		`  ${pending} pending: peak RSS ${mb(loaded.peakRss)} MB, after GC ${mb(settled.rss)} MB (heap ${mb(settled.heapUsed)} MB); store ${mb(storeBytes)} MB; submitted in ${round(submitSeconds, 1)} s`,
	);
	const memoryNotes = [
		`peak RSS while submitting ${pending} jobs ${mb(loaded.peakRss)} MB, ${mb(settled.rss)} MB after GC (heap ${mb(settled.heapUsed)} MB); store file ${mb(storeBytes)} MB; ${round(pending / submitSeconds, 0)} jobs/s submitted`,
	];
	if (!reached)
		memoryNotes.push(
			`only ${pending} of ${wanted} jobs could be submitted in the ${sizes.pendingBudgetSeconds} s budget (${round(pending / submitSeconds, 1)} jobs/s): measured at ${pending}`,
		);
	const memoryFigure: Figure = {
		id: 'memory',
		name: `memory at ${pending} pending`,
		unit: 'MB',
		value: mb(loaded.peakRss),
		baseline: mb(idle.rss),
		baselineLabel: 'idle after ready',
		ratio: ratioOf(loaded.peakRss, idle.rss),
		target: `≤ ${MEMORY_BOUND_BYTES / MB} MB at ${wanted}`,
		pass: reached && loaded.peakRss <= MEMORY_BOUND_BYTES,
		notes: memoryNotes,
		details: {
			pendingJobs: pending,
			wantedPendingJobs: wanted,
			idle: toMb(idle),
			loaded: toMb(loaded),
			afterGc: toMb(settled),
			storeMB: mb(storeBytes),
			submitSeconds: round(submitSeconds, 1),
			submitPerS: round(pending / submitSeconds, 0),
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};

	// Restart with the backlog.
	const restartStarted = performance.now();
	await world.stopBot();
	await world.collectMjTap();
	const pollsFrom = world.mjTapMarks.length;
	const spawnAt = epochNow();
	const restarted = await world.startBot({ label: 'restart', storeFile: world.storeFile });
	const readyAfter = epochNow() - spawnAt;
	const peakSamples: number[] = [];
	const watchEnd = performance.now() + sizes.restartWatchSeconds * 1000;
	while (performance.now() < watchEnd) {
		await sleep(500);
		peakSamples.push((await restarted.call<MemorySample>('memory')).peakRss);
	}
	const after = await restarted.call<MemorySample>('memory');
	// Counted where the provider counts them: on arrival (the tap at its door).
	const polls = (await world.collectMjTap())
		.slice(pollsFrom)
		.filter(([, line]) => line.startsWith('GET /api/v1/mj/record-info'))
		.map(([at]) => at);
	const peakPerS = maxInWindow(polls, 1000);
	const watchedSeconds = (epochNow() - spawnAt) / 1000;
	await world.stopBot();
	context.log(
		`  restart: ready after ${round(readyAfter / 1000, 1)} s, ${polls.length} record-info in ${round(watchedSeconds, 1)} s, peak ${peakPerS} per 1 s window, peak RSS ${mb(after.peakRss)} MB`,
	);
	const withinRate = peakPerS <= PROVIDER_QUERY_LIMIT_PER_S;
	const withinMemory = after.peakRss <= MEMORY_BOUND_BYTES;
	const notes = [
		`${pending} pending: ${polls.length} record-info queries in the ${round(watchedSeconds, 1)} s watched, at most ${peakPerS} in 1 s; peak RSS ${mb(after.peakRss)} MB; ready ${round(readyAfter / 1000, 1)} s after spawn`,
	];
	if (!withinRate) notes.push(`polls exceed the provider's ${PROVIDER_QUERY_LIMIT_PER_S}/s query limit`);
	if (!withinMemory) notes.push(`peak RSS above ${MEMORY_BOUND_BYTES / MB} MB`);
	const restartFigure: Figure = {
		id: 'restart-backlog',
		name: `restart backlog (${pending})`,
		unit: 'polls/s',
		value: peakPerS,
		baseline: PROVIDER_QUERY_LIMIT_PER_S,
		baselineLabel: 'provider limit',
		ratio: ratioOf(peakPerS, PROVIDER_QUERY_LIMIT_PER_S),
		target: `≤ ${PROVIDER_QUERY_LIMIT_PER_S}/s; RSS ≤ ${MEMORY_BOUND_BYTES / MB} MB`,
		pass: withinRate && withinMemory,
		notes,
		details: {
			pendingJobs: pending,
			readySeconds: round(readyAfter / 1000, 2),
			watchedSeconds: round(watchedSeconds, 1),
			recordInfoQueries: polls.length,
			peakPerSecond: peakPerS,
			perSecond: perSecond(polls, spawnAt),
			/** Arrival of the first 100 queries, ms after the restarted process was spawned. */
			firstArrivalsMs: polls.slice(0, 100).map((at) => round(at - spawnAt, 1)),
			peakRssMB: mb(after.peakRss),
			rssSamplesMB: peakSamples.map(mb),
		},
		seconds: round((performance.now() - restartStarted) / 1000, 1),
	};
	return [memoryFigure, restartFigure];
}

function toMb(sample: MemorySample): Record<string, number> {
	return {
		rssMB: mb(sample.rss),
		peakRssMB: mb(sample.peakRss),
		heapUsedMB: mb(sample.heapUsed),
		heapTotalMB: mb(sample.heapTotal),
		externalMB: mb(sample.external),
		arrayBuffersMB: mb(sample.arrayBuffers),
	};
}

/** Queries per whole second since `from` (for the JSON: the shape of the burst). */
function perSecond(timestamps: readonly number[], from: number): number[] {
	const counts: number[] = [];
	for (const at of timestamps) {
		const second = Math.floor((at - from) / 1000);
		while (counts.length <= second) counts.push(0);
		counts[second] = (counts[second] ?? 0) + 1;
	}
	return counts;
}
