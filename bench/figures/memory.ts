/**
 * Memory and restart backlog, on a fresh bot and store:
 * - memory: RSS once idle after ready (the baseline), then the peak RSS while N jobs are submitted and left pending
 *   (submitted, callbacks never sent), and the store's size on disk;
 * - restart backlog: the bot is stopped (as on SIGTERM) and started again on that store with the N jobs pending; the
 *   provider's record-info queries are counted per 1 s window (sliding) at the provider's proxy, from the new
 *   process's start until `restartWatchSeconds` after it is ready, together with the new process's peak RSS.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { ROOT_DIR } from '../child.js';
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
	const runtime = deployedRuntime();
	context.log(`  runtime as deployed (Dockerfile): ${JSON.stringify(runtime)}`);
	const bot = await world.startBot({ label: 'memory', env: runtime });
	await sleep(2000);
	await bot.call('gc');
	await sleep(200);
	const idle = await bot.call<MemorySample>('memory');
	const idleBreakdown = await bot.call<Breakdown>('breakdown');
	context.log(`  idle: ${describeBreakdown(idleBreakdown)}`);
	if (context.heapSnapshots) context.log(`  heap snapshot: ${await bot.call<string>('heapSnapshot')}`);
	context.log(`  idle after ready: RSS ${mb(idle.rss)} MB, heap ${mb(idle.heapUsed)} MB`);

	await bot.call('resetPeak');
	const cpuBefore = await bot.call<number>('cpu');
	const submitStart = performance.now();
	const submitted = await world.submitJobs(wanted, {
		window: 20,
		budgetMs: sizes.pendingBudgetSeconds * 1000,
		onProgress: (done) => context.log(`  ${done}/${wanted} submitted`),
	});
	const submitSeconds = (performance.now() - submitStart) / 1000;
	// The bot's CPU per job: what a setting (e.g. a smaller young generation) costs, less noisy than jobs per second.
	const cpuMsPerJob = ((await bot.call<number>('cpu')) - cpuBefore) / Math.max(1, submitted.length);
	const pending = submitted.length;
	const reached = pending === wanted;
	await sleep(1000);
	const loaded = await bot.call<MemorySample>('memory');
	await bot.call('gc');
	await sleep(200);
	const settled = await bot.call<MemorySample>('memory');
	const storeBytes = world.storeBytes();
	const settledBreakdown = await bot.call<Breakdown>('breakdown');
	context.log(`  ${pending} pending, after GC: ${describeBreakdown(settledBreakdown)}`);
	if (context.heapSnapshots) context.log(`  heap snapshot: ${await bot.call<string>('heapSnapshot')}`);
	context.log(
		`  ${pending} pending: peak RSS ${mb(loaded.peakRss)} MB, after GC ${mb(settled.rss)} MB (heap ${mb(settled.heapUsed)} MB); store ${mb(storeBytes)} MB; submitted in ${round(submitSeconds, 1)} s`,
	);
	const memoryNotes = [
		`peak RSS while submitting ${pending} jobs ${mb(loaded.peakRss)} MB, ${mb(settled.rss)} MB after GC (heap ${mb(settled.heapUsed)} MB); store file ${mb(storeBytes)} MB; ${round(pending / submitSeconds, 0)} jobs/s submitted, bot CPU ${round(cpuMsPerJob, 2)} ms per job`,
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
			runtime,
			pendingJobs: pending,
			wantedPendingJobs: wanted,
			idle: toMb(idle),
			loaded: toMb(loaded),
			afterGc: toMb(settled),
			idleBreakdown,
			afterGcBreakdown: settledBreakdown,
			storeMB: mb(storeBytes),
			submitSeconds: round(submitSeconds, 1),
			submitPerS: round(pending / submitSeconds, 0),
			botCpuMsPerJob: round(cpuMsPerJob, 2),
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};

	// Restart with the backlog.
	const restartStarted = performance.now();
	await world.stopBot();
	await world.collectMjTap();
	const pollsFrom = world.mjTapMarks.length;
	const spawnAt = epochNow();
	const restarted = await world.startBot({ label: 'restart', storeFile: world.storeFile, env: runtime });
	const readyAfter = epochNow() - spawnAt;
	const peakSamples: number[] = [];
	const watchEnd = performance.now() + sizes.restartWatchSeconds * 1000;
	while (performance.now() < watchEnd) {
		await sleep(500);
		peakSamples.push((await restarted.call<MemorySample>('memory')).peakRss);
	}
	const after = await restarted.call<MemorySample>('memory');
	const restartBreakdown = await restarted.call<Breakdown>('breakdown');
	context.log(`  restart, at the end: ${describeBreakdown(restartBreakdown)}`);
	// Counted where the provider counts them: on arrival (the tap at its door).
	const polls = (await world.collectMjTap())
		.slice(pollsFrom)
		.filter(([, line]) => line.startsWith('GET /api/v1/mj/record-info'))
		.map(([at]) => at);
	const peakPerS = maxInWindow(polls, 1000);
	const watchedSeconds = (epochNow() - spawnAt) / 1000;
	await world.stopBot();
	const tables = await storeTables(world.storeFile);
	context.log(
		`  store: ${tables.map((table) => `${table.table} ${table.rows} rows, ${mb(table.bytes)} MB, largest ${round(table.largest / 1024, 1)} KB`).join('; ')}`,
	);
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
			storeTables: tables,
			/** Arrival of the first 100 queries, ms after the restarted process was spawned. */
			firstArrivalsMs: polls.slice(0, 100).map((at) => round(at - spawnAt, 1)),
			peakRssMB: mb(after.peakRss),
			rssSamplesMB: peakSamples.map(mb),
			breakdown: restartBreakdown,
		},
		seconds: round((performance.now() - restartStarted) / 1000, 1),
	};
	return [memoryFigure, restartFigure];
}

/**
 * The Node flags of the Dockerfile's CMD (as NODE_OPTIONS) and its MALLOC_ARENA_MAX: both bots of these figures run
 * as the container runs the bot, since the young generation's size, the heap's growth and malloc's arenas are most
 * of what RSS is. `--env` still overrides them (to compare a setting).
 */
export function deployedRuntime(): Record<string, string> {
	let dockerfile: string;
	try {
		dockerfile = readFileSync(join(ROOT_DIR, 'Dockerfile'), 'utf8');
	} catch {
		return {};
	}
	const runtime: Record<string, string> = {};
	const command = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
	const flags = command ? (JSON.parse(command) as unknown[]).filter((arg) => String(arg).startsWith('--')) : [];
	if (flags.length > 0) runtime['NODE_OPTIONS'] = flags.join(' ');
	const arenas = /\bMALLOC_ARENA_MAX=(\d+)/.exec(dockerfile)?.[1];
	if (arenas) runtime['MALLOC_ARENA_MAX'] = arenas;
	return runtime;
}

/** What the bot child answers to `breakdown` (see children/botProcess.ts). */
export interface Breakdown {
	memory: MemorySample;
	v8: { totalPhysicalKB: number; mallocedKB: number; spaces: Record<string, { usedKB: number; committedKB: number }> };
	residentKB: Record<string, number>;
	discord: Record<string, number>;
}

/** One line: RSS, V8's committed heap (new space apart), the rest of the anonymous memory (malloc), files. */
export function describeBreakdown(breakdown: Breakdown): string {
	const { memory, v8, residentKB, discord } = breakdown;
	const newSpace = v8.spaces['new_space']?.committedKB ?? 0;
	const anonymousKB = (residentKB['anonymous'] ?? 0) + (residentKB['[heap]'] ?? 0);
	const fileKB = (residentKB['files'] ?? 0) + (residentKB['addons'] ?? 0);
	const kb = (value: number) => round(value / 1024, 1);
	return [
		`RSS ${mb(memory.rss)} MB`,
		`V8 heap ${kb(v8.totalPhysicalKB)} MB committed (new space ${kb(newSpace)}, used ${mb(memory.heapUsed)})`,
		`other anonymous ${kb(anonymousKB - v8.totalPhysicalKB)} MB`,
		`files ${kb(fileKB)} MB`,
		`REST handlers ${discord['restHandlers'] ?? 0} + ${discord['webhookHandlers'] ?? 0} for webhooks`,
	].join(', ');
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

interface TableSize {
	table: string;
	rows: number;
	/** Bytes of the values. */
	bytes: number;
	/** Bytes of the largest value: one the bot reads and rewrites whole. */
	largest: number;
}

/** Rows and value sizes of each table of the store, read once the bot has stopped. */
async function storeTables(file: string): Promise<TableSize[]> {
	// Another store (`--env=STORE_URL=redis://…`) leaves no SQLite file to look at.
	if (!existsSync(file)) return [];
	let db: Database.Database;
	try {
		db = new Database(file, { readonly: true });
	} catch {
		return [];
	}
	const all = async <Row>(sql: string): Promise<Row[]> => db.prepare(sql).all() as Row[];
	try {
		const names = await all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
		const sizes: TableSize[] = [];
		for (const { name } of names) {
			const [row] = await all<{ rows: number; bytes: number | null; largest: number | null }>(
				`SELECT count(*) AS rows, sum(length(value)) AS bytes, max(length(value)) AS largest FROM "${name}"`,
			).catch(() => []);
			if (row) sizes.push({ table: name, rows: row.rows, bytes: row.bytes ?? 0, largest: row.largest ?? 0 });
		}
		return sizes;
	} catch {
		return [];
	} finally {
		db.close();
	}
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
