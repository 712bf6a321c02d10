/**
 * Forged-callback flood: autocannon, 50 connections, POSTs of a realistic callback body to the callback route with a
 * well-formed but wrong signature. A/B alternated twice against a bare Hono app on @hono/node-server answering the
 * same POST 403 without reading its body (bare, bot, bare, bot), each run after a short warm-up. The bot must answer
 * 4xx to every request and stay up.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { Child } from '../child.js';
import type { BenchContext } from '../context.js';
import { ratioOf, type Figure } from '../report.js';
import { mean, round } from '../stats.js';

const CONNECTIONS = 50;
const TARGET_RATIO = 0.8;

interface Run {
	target: 'bare' | 'bot';
	requestsPerS: number;
	latencyP50: number;
	latencyP99: number;
	total: number;
	status2xx: number;
	status4xx: number;
	status5xx: number;
	errors: number;
	timeouts: number;
	/** CPU time the server process used per request (µs): less sensitive to a shared machine than req/s. */
	cpuUsPerRequest: number;
}

async function load(url: string, body: string, seconds: number): Promise<autocannon.Result> {
	return autocannon({
		url,
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body,
		connections: CONNECTIONS,
		duration: seconds,
	});
}

export async function floodFigure(context: BenchContext, bareHono: Child): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	// A job id of the right shape and a signature of the right shape: the bot has to compute the HMAC to refuse it.
	const path = `/callbacks/mj/${'A'.repeat(16)}?sig=${'0'.repeat(64)}`;
	const body = JSON.stringify({
		code: 200,
		msg: 'success',
		data: {
			taskId: 'mj_forged_0123456789abcdef',
			promptJson: JSON.stringify({ prompt: 'a forged callback', model: 'midjourney' }),
			resultUrls: Array.from({ length: 4 }, (_, i) => `https://tempfile.example.com/forged/${i}.png`),
		},
	});
	const urls = {
		bare: `http://127.0.0.1:${bareHono.port}/refuse${path}`,
		bot: `http://127.0.0.1:${world.botPort}${path}`,
	};
	const bot = world.bot;
	if (!bot) throw new Error('The bot is not running');
	const servers = { bare: bareHono, bot };

	const runs: Run[] = [];
	for (let round_ = 0; round_ < 2; round_++) {
		for (const target of ['bare', 'bot'] as const) {
			await load(urls[target], body, sizes.floodWarmupSeconds);
			const cpuBefore = await servers[target].call<number>('cpu');
			const result = await load(urls[target], body, sizes.floodSeconds);
			const cpuUsed = (await servers[target].call<number>('cpu')) - cpuBefore;
			const run: Run = {
				target,
				requestsPerS: result.requests.average,
				latencyP50: result.latency.p50,
				latencyP99: result.latency.p99,
				total: result.requests.total,
				status2xx: result['2xx'],
				status4xx: result['4xx'],
				status5xx: result['5xx'],
				errors: result.errors,
				timeouts: result.timeouts,
				cpuUsPerRequest: round((cpuUsed * 1000) / Math.max(1, result.requests.total), 1),
			};
			runs.push(run);
			context.log(
				`  ${target}: ${round(run.requestsPerS, 0)} req/s, ${run.cpuUsPerRequest} µs CPU/request, p99 ${run.latencyP99} ms, 2xx ${run.status2xx}, 4xx ${run.status4xx}, 5xx ${run.status5xx}, errors ${run.errors}`,
			);
		}
	}
	const health = await fetch(`http://127.0.0.1:${world.botPort}/healthz`).then(
		(response) => response.status,
		() => 0,
	);
	const botRuns = runs.filter((run) => run.target === 'bot');
	const bareRuns = runs.filter((run) => run.target === 'bare');
	const value = mean(botRuns.map((run) => run.requestsPerS));
	const baseline = mean(bareRuns.map((run) => run.requestsPerS));
	const ratio = ratioOf(value, baseline);
	const all4xx = botRuns.every(
		(run) => run.status2xx === 0 && run.status5xx === 0 && run.errors === 0 && run.status4xx === run.total,
	);
	const botCpu = mean(botRuns.map((run) => run.cpuUsPerRequest));
	const bareCpu = mean(bareRuns.map((run) => run.cpuUsPerRequest));
	const notes: string[] = [
		`CPU per request: bot ${round(botCpu, 1)} µs, bare Hono ${round(bareCpu, 1)} µs (${round(bareCpu / botCpu, 2)}× in CPU terms)`,
	];
	if (!all4xx) notes.push('the bot did not answer 4xx to every forged request');
	if (health !== 200) notes.push(`the bot's /healthz answered ${health} after the flood`);
	return {
		id: 'forged-callback-flood',
		name: 'forged-callback flood',
		unit: 'req/s',
		value: round(value, 0),
		baseline: round(baseline, 0),
		baselineLabel: 'bare Hono 403, body unread',
		ratio,
		target: `≥ ${TARGET_RATIO}× bare; 4xx only; up`,
		pass: ratio !== null && ratio >= TARGET_RATIO && all4xx && health === 200,
		notes,
		details: {
			connections: CONNECTIONS,
			seconds: sizes.floodSeconds,
			botCpuUsPerRequest: round(botCpu, 1),
			bareCpuUsPerRequest: round(bareCpu, 1),
			runs,
			healthAfter: health,
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}
