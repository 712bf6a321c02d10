/**
 * Delivery overhead: for jobs delivered one at a time, the time from the callback being sent (handed to the OS by the
 * bench's HTTP client) to the first Discord write for the job (its arrival at the Discord tap), minus the time spent at
 * the provider on record-info and on the result downloads: each measured at the door the bot knocks on, from the
 * request's arrival to its answer sent back (record-info at the API's tap, downloads at the file host's proxy, which
 * result URLs point to); the time covered by at least one of them counts, as the bot runs them in parallel. What is
 * left is the bot's own work. With record-info timed at the proxy behind the tap instead (which bills the tap's
 * relaying both ways to the bot), the figure is reported beside it.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../context.js';
import type { StageEvent } from '../protocol.js';
import { ratioOf, type Figure } from '../report.js';
import { breakDown, describeStages, medianStages } from '../stages.js';
import { percentile, round, sleep, waitUntil } from '../stats.js';
import { BenchWorld, postJson } from '../world.js';

const TARGET_P50_MS = 4;
/**
 * Jobs delivered first and not counted: a bot delivering results all day runs this path with its code compiled, and
 * the first deliveries of a fresh process measure V8's compiler (their p50 is reported beside the figure).
 */
const WARMUP_JOBS = 20;
/** The provider's query limit is 10/s (with the bot's 10% margin): jobs are finished no faster than that. */
const QUERY_INTERVAL_MS = 115;

/** Total time covered by the intervals (their union), in ms. */
function coveredTime(spans: ReadonlyArray<readonly [number, number]>): number {
	const intervals = [...spans].sort((a, b) => a[0] - b[0]);
	let total = 0;
	let currentStart = Number.NaN;
	let currentEnd = Number.NaN;
	for (const [start, end] of intervals) {
		if (Number.isNaN(currentStart) || start > currentEnd) {
			if (!Number.isNaN(currentStart)) total += currentEnd - currentStart;
			currentStart = start;
			currentEnd = end;
		} else currentEnd = Math.max(currentEnd, end);
	}
	if (!Number.isNaN(currentStart)) total += currentEnd - currentStart;
	return total;
}

/**
 * The bot's stages for one job: from its callback reaching the bot's server to the bot issuing the job's first
 * Discord write (undici's request created), each stage's share; undefined when either end is missing.
 */
function jobWindow(events: readonly StageEvent[], jobId: string, token: string): Record<string, number> | undefined {
	const from = events.find(
		([, , kind, detail]) => kind === 'incoming' && detail.includes(`/callbacks/mj/${jobId}`),
	)?.[0];
	if (from === undefined) return undefined;
	const to = events.find(([start, , kind, detail]) => kind === 'http' && start >= from && detail.includes(token))?.[0];
	return to === undefined ? undefined : { 'total (bot side)': to - from, ...breakDown(events, from, to) };
}

export async function deliveryOverheadFigure(context: BenchContext): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	const jobs = await world.submitJobs(WARMUP_JOBS + sizes.deliveryJobs);
	await sleep(200);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const overheads: number[] = [];
	const endToEnd: number[] = [];
	const atFakes: number[] = [];
	const atProxy: number[] = [];
	/** Time this process took to build and send each callback: not the bot's, so not counted (reported). */
	const building: number[] = [];
	/** The bot's stages, recorded on every second job only (recording costs the bot a little): see stages.ts. */
	const stageWindows: Array<Record<string, number>> = [];
	/** The last recorded job's events, ms from its callback's arrival: the order of the stages, for the JSON. */
	let sampleTimeline: Array<[number, number, string, string]> = [];
	const recorded: number[] = [];
	/** Jobs a poll already in flight confirmed before their callback (left out). */
	let confirmedByPoll = 0;
	const unrecorded: number[] = [];
	/** The warm-up jobs' overheads: a fresh process's first deliveries. */
	const cold: number[] = [];
	const bot = world.bot;
	if (!bot) throw new Error('The bot is not running');
	const cpuBefore = await bot.call<number>('cpu');
	try {
		for (const [index, job] of jobs.entries()) {
			const measured = index >= WARMUP_JOBS;
			const recording = measured && index % 2 === 1;
			if (recording) await bot.call('startStages');
			world.succeed(job);
			const body = world.callbackBody(job);
			const marksFrom = world.tapMarks.length;
			const mjFrom = world.mjProxy.records.length;
			const requestsFrom = world.discord.requests.length;
			const answer = await postJson(job.callbackUrl, body, agent);
			if (answer.status !== 200) throw new Error(`callback for job ${job.n} answered ${answer.status}: ${answer.body}`);
			await waitUntil(
				() => world.discord.requests.slice(requestsFrom).some((request) => BenchWorld.isResultEdit(request, job.token)),
				`the result of job ${job.n}`,
				10_000,
				1,
			);
			// The first Discord write for the job, as the tap at the fake's door saw it (epoch ms).
			// From when the callback had been sent (handed to the OS), not from when this process began building it.
			const sentAt = performance.timeOrigin + answer.sent;
			const isJobsRequest = (url: string): boolean =>
				url.includes(`taskId=${encodeURIComponent(job.taskId)}`) ||
				url.includes(`/files/${encodeURIComponent(job.taskId)}_`);
			// The result is posted after its record-info: an edit of the job's reply before that (its "working" state,
			// or a queue position, landing late) is not the delivery.
			const confirmedFrom =
				(await world.mjExchanges()).find(
					([at, , line]) => at >= sentAt && line.includes('record-info') && isJobsRequest(line),
				)?.[0] ?? sentAt;
			const firstWriteAt = (await world.collectTap())
				.slice(marksFrom)
				.find(([at, line]) => at >= confirmedFrom && line.includes(job.token))?.[0];
			if (firstWriteAt === undefined) throw new Error(`job ${job.n}: the tap saw no Discord write`);
			const firstWrite = { start: firstWriteAt - performance.timeOrigin };
			// At the door. The API calls reach the provider through its tap: those it relayed before the first Discord
			// write. The downloads reach the file host at the proxy (result URLs point there), which times them.
			const exchanges = (await world.mjExchanges()).filter(
				([at, answeredAt, line]) => at >= sentAt && answeredAt <= firstWriteAt && isJobsRequest(line),
			);
			const mjRecords = world.mjProxy.records
				.slice(mjFrom)
				.filter((record) => record.start < firstWrite.start && isJobsRequest(record.url));
			if (!mjRecords.some((record) => record.url.includes('record-info')) || exchanges.length === 0) {
				// Confirmed by the bot's own poll of the job, sent before the callback: not the path measured.
				if (measured) confirmedByPoll++;
				if (recording) await bot.call('stopStages');
				await sleep(QUERY_INTERVAL_MS);
				continue;
			}
			const total = firstWrite.start - answer.sent;
			// One union over both: the bot downloads a callback's results while it confirms them, so they overlap.
			const atProxySpans = mjRecords.map((record) => [record.start, record.end] as const);
			const fakeTime = coveredTime([
				...exchanges.map(
					([at, answeredAt]) => [at - performance.timeOrigin, answeredAt - performance.timeOrigin] as const,
				),
				...atProxySpans,
			]);
			if (!measured) {
				cold.push(total - fakeTime);
				await sleep(QUERY_INTERVAL_MS);
				continue;
			}
			building.push(answer.sent - answer.start);
			endToEnd.push(total);
			atFakes.push(fakeTime);
			atProxy.push(coveredTime(atProxySpans));
			overheads.push(total - fakeTime);
			(recording ? recorded : unrecorded).push(total - fakeTime);
			if (recording) {
				const events = await bot.call<StageEvent[]>('drainStages');
				const window = jobWindow(events, job.jobId, job.token);
				if (window) stageWindows.push(window);
				const origin = events.find(([, , kind]) => kind === 'incoming')?.[0] ?? 0;
				sampleTimeline = events.map(([start, end, kind, detail]) => [
					round(start - origin, 2),
					round(end - origin, 2),
					kind,
					detail.slice(0, 90),
				]);
				await bot.call('stopStages');
			}
			// One at a time as the provider allows: under its query limit (10/s), so no confirmation waits for a turn.
			await sleep(QUERY_INTERVAL_MS);
		}
	} finally {
		agent.destroy();
	}
	if (overheads.length === 0) throw new Error('every job was confirmed by a poll before its callback');
	// Includes the bench's own calls to the child (a few per job): the same in every run, so comparable between runs.
	const cpuMsPerJob = ((await bot.call<number>('cpu')) - cpuBefore) / jobs.length;
	const measuredJobs = jobs.length - WARMUP_JOBS;
	const p50 = percentile(overheads, 50);
	const stages = medianStages(stageWindows);
	const fakeP50 = percentile(atFakes, 50);
	// The same jobs with the provider's time taken behind its tap: the tap's relaying counted as the bot's.
	const overheadsBehindTap = endToEnd.map((total, index) => total - (atProxy[index] ?? 0));
	return {
		id: 'delivery-overhead',
		name: 'delivery overhead p50',
		unit: 'ms',
		value: round(p50),
		baseline: round(fakeP50),
		baselineLabel: 'record-info + downloads p50',
		ratio: ratioOf(p50, fakeP50),
		target: `p50 ≤ ${TARGET_P50_MS} ms`,
		pass: p50 <= TARGET_P50_MS,
		notes: [
			`${measuredJobs} jobs one at a time, after ${WARMUP_JOBS} not counted (their overhead p50 ${round(percentile(cold, 50))} ms: a fresh process's first deliveries); ${confirmedByPoll} confirmed by a poll already on its way, left out; callback → first Discord write p50 ${round(percentile(endToEnd, 50))} ms, of which at the provider ${round(fakeP50)} ms; overhead p90 ${round(percentile(overheads, 90))} ms; bot CPU ${round(cpuMsPerJob, 2)} ms per job; the bench's own time to build and send a callback p50 ${round(percentile(building, 50))} ms (not counted)`,
			`with the provider's time taken at its proxy behind the tap (${round(percentile(atProxy, 50))} ms p50), the overhead p50 would read ${round(percentile(overheadsBehindTap, 50))} ms`,
			`stages inside the bot, callback received → Discord write issued (median of ${stageWindows.length} jobs): ${describeStages(stages)}`,
		],
		details: {
			jobs: measuredJobs,
			warmupJobs: WARMUP_JOBS,
			warmupOverheadP50Ms: round(percentile(cold, 50)),
			confirmedByPoll,
			overheadP50Ms: round(p50),
			overheadP90Ms: round(percentile(overheads, 90)),
			endToEndP50Ms: round(percentile(endToEnd, 50)),
			providerTimeP50Ms: round(fakeP50),
			providerTimeAtProxyP50Ms: round(percentile(atProxy, 50)),
			overheadWithProxyTimeP50Ms: round(percentile(overheadsBehindTap, 50)),
			overheadsMs: overheads.map((value) => round(value)),
			callbackBuildP50Ms: round(percentile(building, 50)),
			botCpuMsPerJob: round(cpuMsPerJob, 2),
			stagesMs: stages,
			stageTimelineSample: sampleTimeline,
			overheadP50WithoutRecordingMs: round(percentile(unrecorded, 50)),
			overheadP50WithRecordingMs: round(percentile(recorded, 50)),
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}
