/**
 * Valid callbacks: N jobs submitted with their callbacks held, then every callback sent at concurrency 20. The rate is
 * callbacks accepted (HTTP 200) per second, first request sent to last answer read. Every job must then be delivered
 * exactly once: one result edit per interaction at the fake Discord. Baseline: the bare Hono app answering the same
 * N POSTs at the same concurrency, measured just before.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Child } from '../child.js';
import { PROVIDER_QUERY_LIMIT_PER_S, type BenchContext } from '../context.js';
import { ratioOf, type Figure } from '../report.js';
import { maxInWindow, round, sleep, waitUntil } from '../stats.js';
import { BenchWorld, mapConcurrent, postJson, type PostResult } from '../world.js';

const CONCURRENCY = 20;
const TARGET_PER_S = 1000;

async function sendAll(
	urls: readonly string[],
	bodies: readonly string[],
): Promise<{ rate: number; answers: PostResult[] }> {
	const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
	try {
		const start = performance.now();
		const answers = await mapConcurrent(urls, CONCURRENCY, async (url, index) =>
			postJson(url, bodies[index] ?? '', agent),
		);
		const seconds = (performance.now() - start) / 1000;
		return { rate: urls.length / seconds, answers };
	} finally {
		agent.destroy();
	}
}

export async function validCallbacksFigure(context: BenchContext, bareHono: Child): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	const jobs = await world.submitJobs(sizes.validCallbacks);
	for (const job of jobs) world.succeed(job);
	const bodies = jobs.map((job) => world.callbackBody(job));
	await sleep(300);

	// Same paths and bodies against the bare app (its route ignores the signature).
	const bareUrls = jobs.map((job) => {
		const url = new URL(job.callbackUrl);
		url.port = String(bareHono.port);
		return url.toString();
	});
	const baseline = await sendAll(bareUrls, bodies);
	await sleep(300);

	const requestsFrom = world.discord.requests.length;
	const queriesFrom = (await world.collectMjTap()).length;
	const botProcess = world.bot;
	if (!botProcess) throw new Error('The bot is not running');
	const cpuBefore = await botProcess.call<number>('cpu');
	const bot = await sendAll(
		jobs.map((job) => job.callbackUrl),
		bodies,
	);
	const accepted = bot.answers.filter((answer) => answer.status === 200).length;

	const tokens = new Set(jobs.map((job) => job.token));
	const deliveredCount = (): Map<string, number> => {
		const counts = new Map<string, number>();
		for (const request of world.discord.requests.slice(requestsFrom)) {
			const token = BenchWorld.resultEditToken(request);
			if (token !== undefined && tokens.has(token)) counts.set(token, (counts.get(token) ?? 0) + 1);
		}
		return counts;
	};
	const deliveryStart = performance.now();
	let delivered = new Map<string, number>();
	await waitUntil(
		() => {
			delivered = deliveredCount();
			return delivered.size === jobs.length;
		},
		`${jobs.length} result edits`,
		120_000,
		50,
	).catch(() => undefined);
	const deliverySeconds = (performance.now() - deliveryStart) / 1000;
	// Late duplicates would show up now.
	await botProcess.call('idle');
	const cpuPerJob = ((await botProcess.call<number>('cpu')) - cpuBefore) / jobs.length;
	await sleep(500);
	delivered = deliveredCount();
	const duplicates = [...delivered.values()].filter((count) => count > 1).length;
	// Each accepted callback is confirmed with record-info: how fast those queries reached the provider.
	const queries = (await world.collectMjTap())
		.slice(queriesFrom)
		.filter(([, line]) => line.startsWith('GET /api/v1/mj/record-info'))
		.map(([at]) => at);
	const queryPeak = maxInWindow(queries, 1000);
	const lost = jobs.length - delivered.size;
	const exactlyOnce = lost === 0 && duplicates === 0;

	const notes = [
		`${accepted}/${jobs.length} answered 200 at ${round(bot.rate, 0)}/s; delivered ${delivered.size}, lost ${lost}, duplicated ${duplicates}; all results edited in ${round(deliverySeconds, 1)} s after the last answer; bot CPU ${round(cpuPerJob, 2)} ms per job (callback + confirmation + delivery)`,
	];
	if (bot.rate < TARGET_PER_S) notes.push(`below ${TARGET_PER_S}/s`);
	if (queryPeak > PROVIDER_QUERY_LIMIT_PER_S)
		notes.push(
			`the callbacks' confirmations reached the provider at up to ${queryPeak} record-info per 1 s (its limit: ${PROVIDER_QUERY_LIMIT_PER_S}/s)`,
		);
	return {
		id: 'valid-callbacks',
		name: 'valid callbacks (SQLite)',
		unit: '/s',
		value: round(bot.rate, 0),
		baseline: round(baseline.rate, 0),
		baselineLabel: 'bare Hono',
		ratio: ratioOf(bot.rate, baseline.rate),
		target: `≥ ${TARGET_PER_S}/s; ${jobs.length} delivered once`,
		pass: bot.rate >= TARGET_PER_S && accepted === jobs.length && exactlyOnce,
		notes,
		details: {
			callbacks: jobs.length,
			concurrency: CONCURRENCY,
			acceptedPerS: round(bot.rate, 0),
			bareHonoPerS: round(baseline.rate, 0),
			accepted,
			statuses: countBy(bot.answers.map((answer) => answer.status)),
			delivered: delivered.size,
			lost,
			duplicated: duplicates,
			deliverySeconds: round(deliverySeconds, 2),
			botCpuMsPerJob: round(cpuPerJob, 2),
			recordInfoQueries: queries.length,
			recordInfoPeakPer1s: queryPeak,
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}

function countBy(values: readonly number[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
	return counts;
}
