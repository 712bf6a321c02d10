/**
 * Delivery overhead: for jobs delivered one at a time, the time from the callback being sent (handed to the OS by the
 * bench's HTTP client) to the first Discord write for the job, minus the time spent at the fake provider on
 * record-info and on the result downloads (each measured at the provider's proxy: arrival to answer written; time
 * covered by at least one of them, as the bot runs them in parallel). What is left is the bot's own work and its hops.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { BenchContext } from '../context.js';
import type { ProxyRecord } from '../proxy.js';
import { ratioOf, type Figure } from '../report.js';
import { percentile, round, sleep, waitUntil } from '../stats.js';
import { BenchWorld, postJson } from '../world.js';

const TARGET_P50_MS = 5;
/** The provider's query limit is 10/s (with the bot's 10% margin): jobs are finished no faster than that. */
const QUERY_INTERVAL_MS = 115;

/** Total time covered by the intervals (their union), in ms. */
function coveredTime(records: readonly ProxyRecord[]): number {
	const intervals = records.map((record) => [record.start, record.end] as const).sort((a, b) => a[0] - b[0]);
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

export async function deliveryOverheadFigure(context: BenchContext): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	const jobs = await world.submitJobs(sizes.deliveryJobs);
	await sleep(200);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const overheads: number[] = [];
	const endToEnd: number[] = [];
	const atFakes: number[] = [];
	/** Time this process took to build and send each callback: not the bot's, so not counted (reported). */
	const building: number[] = [];
	try {
		for (const job of jobs) {
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
			const firstWriteAt = (await world.collectTap())
				.slice(marksFrom)
				.find(([at, line]) => at >= sentAt && line.includes(job.token))?.[0];
			if (firstWriteAt === undefined) throw new Error(`job ${job.n}: the tap saw no Discord write`);
			const firstWrite = { start: firstWriteAt - performance.timeOrigin };
			const mjRecords = world.mjProxy.records.slice(mjFrom).filter((record) => record.start < firstWrite.start);
			const recordInfo = mjRecords.filter((record) => record.url.includes(`taskId=${encodeURIComponent(job.taskId)}`));
			const downloads = mjRecords.filter((record) => record.url.includes(`/files/${encodeURIComponent(job.taskId)}_`));
			if (recordInfo.length === 0 || downloads.length === 0)
				throw new Error(`job ${job.n}: no record-info or downloads seen before its first Discord write`);
			const total = firstWrite.start - answer.sent;
			building.push(answer.sent - answer.start);
			// One union over both: the bot downloads a callback's results while it confirms them, so they overlap.
			const fakeTime = coveredTime([...recordInfo, ...downloads]);
			endToEnd.push(total);
			atFakes.push(fakeTime);
			overheads.push(total - fakeTime);
			// One at a time as the provider allows: under its query limit (10/s), so no confirmation waits for a turn.
			await sleep(QUERY_INTERVAL_MS);
		}
	} finally {
		agent.destroy();
	}
	const p50 = percentile(overheads, 50);
	const fakeP50 = percentile(atFakes, 50);
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
			`${jobs.length} jobs one at a time: callback → first Discord write p50 ${round(percentile(endToEnd, 50))} ms, of which at the provider ${round(fakeP50)} ms; overhead p90 ${round(percentile(overheads, 90))} ms; the bench's own time to build and send a callback p50 ${round(percentile(building, 50))} ms (not counted)`,
		],
		details: {
			jobs: jobs.length,
			overheadP50Ms: round(p50),
			overheadP90Ms: round(percentile(overheads, 90)),
			endToEndP50Ms: round(percentile(endToEnd, 50)),
			providerTimeP50Ms: round(fakeP50),
			overheadsMs: overheads.map((value) => round(value)),
			callbackBuildP50Ms: round(percentile(building, 50)),
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}
