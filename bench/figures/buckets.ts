/**
 * Discord buckets: the fake Discord enforces a per-channel route bucket (CHANNEL_BUCKET writes per window, real
 * `x-ratelimit-*` headers on every answer, 429 + `retry-after` over the limit) and N results land in one channel.
 *
 * Results go through the channel route as they do for every job that finishes when its interaction token is about to
 * run out (15 minutes: relaxed jobs, a backlog after a restart): the interactions are sent already 14.5 minutes old
 * (their snowflake ids say so), so the bot edits its reply as the bot, `PATCH /channels/{channel}/messages/{message}`,
 * one bucket for the whole channel. (Interaction webhooks are bucketed per token, so they never share a bucket.)
 *
 * Total time: first callback sent → last result write arriving at the fake. Theoretical minimum for N writes with
 * fixed windows: floor((N − 1) / limit) × window.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { CHANNEL_BUCKET, type BenchContext } from '../context.js';
import { ratioOf, type Figure } from '../report.js';
import { round, sleep, waitUntil } from '../stats.js';
import { mapConcurrent, postJson } from '../world.js';

const TARGET_RATIO = 1.1;
const CONCURRENCY = 20;
/** Older than 15 minutes minus the bot's safety margin: it must not use the token for the result. */
const INTERACTION_AGE_MS = 14.5 * 60_000;
const CHANNEL_WRITE = /^\/api\/v10\/channels\/(\d+)\/messages(?:\/(\d+))?(?:\?|$)/;

export async function bucketsFigure(context: BenchContext): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	const count = sizes.bucketResults;
	const { limit, windowMs } = CHANNEL_BUCKET;

	const jobs = await world.submitJobs(count, { ageMs: INTERACTION_AGE_MS });
	const messageIds = new Map<string, number>();
	for (const job of jobs) {
		const messageId = world.workingMessageId(job.token);
		if (!messageId) throw new Error(`job ${job.n} has no working message`);
		messageIds.set(messageId, 0);
		world.succeed(job);
	}
	const bodies = jobs.map((job) => world.callbackBody(job));
	await sleep(300);

	world.discordProxy.setBuckets([
		{
			key: (method, url) => {
				const match = CHANNEL_WRITE.exec(url);
				return match && (method === 'PATCH' || method === 'POST') ? `channel:${match[1] ?? ''}` : undefined;
			},
			limit,
			windowMs,
			hash: 'bench-channel-messages',
		},
	]);
	const limitedBefore = world.discordProxy.limitedCount;
	const recordsFrom = world.discordProxy.records.length;
	const requestsFrom = world.discord.requests.length;
	const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
	const t0 = performance.now();
	const statuses = await mapConcurrent(jobs, CONCURRENCY, async (job, index) =>
		postJson(job.callbackUrl, bodies[index] ?? '', agent).then((answer) => answer.status),
	).finally(() => agent.destroy());

	const theoreticalMs = Math.floor((count - 1) / limit) * windowMs;
	const countDelivered = (): { delivered: number; duplicated: number } => {
		for (const key of messageIds.keys()) messageIds.set(key, 0);
		for (const request of world.discord.requests.slice(requestsFrom)) {
			if (request.method !== 'PATCH' || request.files.length === 0 || request.response.status !== 200) continue;
			const match = /^\/channels\/\d+\/messages\/(\d+)$/.exec(request.path);
			const seen = match?.[1] === undefined ? undefined : messageIds.get(match[1]);
			if (seen !== undefined && match?.[1] !== undefined) messageIds.set(match[1], seen + 1);
		}
		const counts = [...messageIds.values()];
		return { delivered: counts.filter((n) => n > 0).length, duplicated: counts.filter((n) => n > 1).length };
	};
	await waitUntil(
		() => countDelivered().delivered === count,
		`${count} results in the channel`,
		theoreticalMs * 3 + 60_000,
		100,
	).catch(() => undefined);
	await world.bot?.call('idle');
	await sleep(500);
	const { delivered, duplicated } = countDelivered();

	const channelWrites = world.discordProxy.records
		.slice(recordsFrom)
		.filter((record) => CHANNEL_WRITE.test(record.url) && record.status === 200 && !record.limited);
	const lastWrite = Math.max(...channelWrites.map((record) => record.start));
	const totalMs = lastWrite - t0;
	const limited = world.discordProxy.limitedCount - limitedBefore;
	// Every channel write the bot attempted (including those answered 429), as the tap saw them, from t0.
	const t0Epoch = performance.timeOrigin + t0;
	const attempts = (await world.collectTap())
		.filter(
			([at, line]) => at >= t0Epoch && /^(PATCH|POST) /.test(line) && CHANNEL_WRITE.test(line.split(' ')[1] ?? ''),
		)
		.map(([at]) => round(at - t0Epoch, 1));
	world.discordProxy.setBuckets([]);

	const lost = count - delivered;
	const ratio = ratioOf(totalMs, theoreticalMs);
	const accepted = statuses.filter((status) => status === 200).length;
	const notes = [
		`${count} results, bucket ${limit}/${windowMs} ms: ${round(totalMs / 1000, 1)} s vs ${round(theoreticalMs / 1000, 1)} s minimum; ${limited} × 429; lost ${lost}, duplicated ${duplicated}`,
	];
	if (accepted !== count) notes.push(`only ${accepted}/${count} callbacks answered 200`);
	return {
		id: 'discord-buckets',
		name: 'Discord buckets',
		unit: 's',
		value: round(totalMs / 1000, 2),
		baseline: round(theoreticalMs / 1000, 2),
		baselineLabel: 'bucket minimum',
		ratio,
		target: `0 lost; ≤ ${TARGET_RATIO}× minimum`,
		pass: lost === 0 && duplicated === 0 && accepted === count && ratio !== null && ratio <= TARGET_RATIO,
		notes,
		details: {
			results: count,
			bucket: { limit, windowMs, route: 'PATCH/POST /channels/{channel}/messages[/{message}]' },
			totalSeconds: round(totalMs / 1000, 2),
			theoreticalSeconds: round(theoreticalMs / 1000, 2),
			rateLimited429: limited,
			attemptOffsetsMs: attempts,
			channelWrites: channelWrites.length,
			delivered,
			lost,
			duplicated,
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}
