/**
 * Defer latency: N interactions dispatched at once over the fake gateway; for each, the time from its dispatch to the
 * interaction callback (the defer) reaching the fake Discord, as noted by the TCP tap at the fake's door (so the
 * fake's own handling of the burst does not count). Baseline: a bare discord.js client that defers every interaction
 * and does nothing else, on a second fake Discord with its own tap, measured the same way, in turn with the bot
 * (bare, bot, then bot, bare, …; the idle bot with nothing left running before each): the figure is the median of the per-round ratios of p99s, as the absolute p99 mostly
 * measures the machine. Two shapes: the main bot idle, and a bot of its own with 1 000 jobs waiting in its queue
 * (the provider's real submit limit, so the queue only moves 20 per 10 s and every move re-edits waiting replies).
 * A last, unmeasured burst on the bot is recorded stage by stage (see stages.ts) to say where its milliseconds go.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord.js';
import { RESULTS_DIR, startChild, type Child } from '../child.js';
import type { BenchContext } from '../context.js';
import { epochNow, type StageEvent, type TapMark } from '../protocol.js';
import type { Figure } from '../report.js';
import { breakDown, describeStages, medianStages } from '../stages.js';
import { percentile, round, sleep } from '../stats.js';
import { startTap } from '../world.js';

const TARGET_RATIO = 1.1;
const WARMUP = 10;
/**
 * Rounds of bare and bot, each one burst of N: on a shared machine one round's ratio alone says little (a p99 of 50
 * is nearly their maximum: one late wake-up of either process moves it by several ms). With 7 rounds the median ratio
 * still moved from 0.7 to 1.5 between runs of the same code; with 15, 0.8 to 1.0.
 */
const ROUNDS = 15;
/** Interactions sent one at a time, recorded stage by stage (alone, each one's stages are its own). */
const STAGED = 20;

export interface Burst {
	latencies: number[];
	tokens: string[];
	/** Dispatch time of each token (epoch ms). */
	sentAt: Map<string, number>;
}

/** Dispatches `count` /imagine commands back to back; resolves with each one's dispatch → defer latency. */
export async function burst(
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
		sentAt: wanted,
	};
}

/** The bare discord.js client on a fake Discord of its own, ready for bursts. */
export interface BareClient {
	burst(count: number, tag: string): Promise<Burst>;
	stop(): Promise<void>;
}

export async function startBareClient(context: BenchContext): Promise<BareClient> {
	const discord = await startFakeDiscord({ validate: false });
	const tap = await startTap(discord.baseUrl, join(RESULTS_DIR, 'logs', `${context.runId}-bare-tap.log`));
	const seen: TapMark[] = [];
	const marks = async (): Promise<TapMark[]> => {
		seen.push(...(await tap.call<TapMark[]>('drain')));
		return seen;
	};
	const identified = discord.waitForIdentify();
	let client: Child | undefined;
	try {
		client = await startChild('bareClient', {
			env: { DISCORD_API_URL: `http://127.0.0.1:${tap.port}/api`, DISCORD_TOKEN: 'bench-bare-token' },
			logFile: join(RESULTS_DIR, 'logs', `${context.runId}-bare-client.log`),
		});
		await identified;
		await burst(discord, marks, WARMUP, 'bare-warmup');
		await sleep(300);
	} catch (error) {
		await Promise.allSettled([client?.stop(), tap.stop(), discord.close()]);
		throw error;
	}
	const running = client;
	return {
		burst: async (count, tag) => burst(discord, marks, count, tag),
		async stop() {
			await running.stop();
			await tap.stop();
			await discord.close();
		},
	};
}

/** What `pairedRounds` measured: each round's p99s and their ratio. */
interface Rounds {
	bot: number[][];
	bare: number[][];
	ratios: number[];
}

/**
 * `ROUNDS` times: a bare burst and a bot burst of the same size; the ratio of their p99s per round. `settle` runs
 * before each burst: the bare client shares the machine with the bot, so the bot's work left from its last burst
 * would slow the bare one too.
 */
async function pairedRounds(
	context: BenchContext,
	bare: BareClient,
	botBurst: (tag: string) => Promise<Burst>,
	tag: string,
	settle: () => Promise<void> = async () => sleep(300),
): Promise<Rounds> {
	const rounds: Rounds = { bot: [], bare: [], ratios: [] };
	for (let round_ = 1; round_ <= ROUNDS; round_++) {
		// Each goes first in every other round: the first burst after a pause may meet a colder machine.
		const bareFirst = round_ % 2 === 1;
		await settle();
		const first = bareFirst
			? await bare.burst(context.sizes.deferInteractions, `bare-${tag}-${round_}`)
			: await botBurst(`bot-${tag}-${round_}`);
		await settle();
		const second = bareFirst
			? await botBurst(`bot-${tag}-${round_}`)
			: await bare.burst(context.sizes.deferInteractions, `bare-${tag}-${round_}`);
		const [base, bot] = bareFirst ? [first, second] : [second, first];
		const ratio = percentile(bot.latencies, 99) / percentile(base.latencies, 99);
		rounds.bare.push(base.latencies);
		rounds.bot.push(bot.latencies);
		rounds.ratios.push(ratio);
		context.log(
			`  ${tag} round ${round_}: bot p99 ${round(percentile(bot.latencies, 99))} ms, bare p99 ${round(percentile(base.latencies, 99))} ms, ${round(ratio)}×`,
		);
	}
	return rounds;
}

/**
 * Interactions sent one at a time with the bot's stages recorded: gateway packet received → defer issued. One at a
 * time, as in a burst the stages of the others overlap each one's window; what a burst adds is waiting its turn.
 */
async function deferStages(context: BenchContext, tag: string): Promise<Record<string, number>> {
	const { world } = context;
	const bot = world.bot;
	if (!bot) return {};
	await bot.call('startStages');
	try {
		for (let i = 0; i < STAGED; i++) {
			// The previous one's job (its record, its submission, its "working" edit) must not overlap this window. Bounded:
			// with jobs queued, the queue's edits may keep the bot busy for a while.
			await Promise.race([bot.call('idle'), sleep(1000)]);
			await sleep(20);
			await burst(world.discord, async () => world.collectTap(), 1, `${tag}-${i}`);
		}
		const events = await bot.call<StageEvent[]>('drainStages');
		const windows: Array<Record<string, number>> = [];
		for (const [at, , kind, token] of events) {
			if (kind !== 'gateway') continue;
			const defer = events.find(
				([start, , what, detail]) => what === 'http' && start >= at && detail.includes(`/${token}/callback`),
			)?.[0];
			if (defer !== undefined) windows.push({ 'total (bot side)': defer - at, ...breakDown(events, at, defer) });
		}
		return medianStages(windows);
	} finally {
		await bot.call('stopStages');
	}
}

function ratioFigure(
	id: string,
	name: string,
	rounds: Rounds,
	stages: Record<string, number>,
	extraNotes: string[],
	started: number,
): Figure {
	const botP99s = rounds.bot.map((latencies) => percentile(latencies, 99));
	const bareP99s = rounds.bare.map((latencies) => percentile(latencies, 99));
	const ratio = percentile(rounds.ratios, 50);
	const spread = `${round(Math.min(...rounds.ratios))}–${round(Math.max(...rounds.ratios))}×`;
	return {
		id,
		name,
		unit: 'ms',
		value: round(percentile(botP99s, 50)),
		baseline: round(percentile(bareP99s, 50)),
		baselineLabel: 'bare discord.js p99',
		ratio: round(ratio, 3),
		target: `p99 ≤ ${TARGET_RATIO}× bare`,
		pass: ratio <= TARGET_RATIO,
		notes: [
			`${ROUNDS} rounds of ${rounds.bot[0]?.length ?? 0} at once, bare and bot (each first in every other round): ratio of p99s median ${round(ratio)}× (spread ${spread}); bot p99s ${botP99s.map((value) => round(value)).join(', ')} ms, bare ${bareP99s.map((value) => round(value)).join(', ')} ms; bot p50 ${round(percentile(rounds.bot.flat(), 50))} ms`,
			`stages inside the bot, gateway packet → defer issued (median of ${STAGED} sent one at a time, recorded): ${describeStages(stages)}`,
			...extraNotes,
		],
		details: {
			rounds: ROUNDS,
			ratios: rounds.ratios.map((value) => round(value, 3)),
			botP99sMs: botP99s.map((value) => round(value)),
			bareP99sMs: bareP99s.map((value) => round(value)),
			stagesMs: stages,
			latenciesMs: rounds.bot.map((latencies) => latencies.map((value) => round(value))),
		},
		seconds: round((performance.now() - started) / 1000, 1),
	};
}

/** The main bot, idle. */
export async function deferLatencyFigure(context: BenchContext, bare: BareClient): Promise<Figure> {
	const started = performance.now();
	const { world } = context;
	const marks = async (): Promise<readonly TapMark[]> => world.collectTap();
	const generatesBefore = world.mj.generateRequests.length;
	let sent = 0;
	// Idle: every job of the bursts before has been submitted, and the bot has nothing left running.
	const settle = async (): Promise<void> => {
		if (sent > 0) await world.mj.waitForGenerate(generatesBefore + sent - 1, 30_000);
		await Promise.race([world.bot?.call('idle'), sleep(2000)]);
		await sleep(100);
	};
	const botBurst = async (count: number, tag: string): Promise<Burst> => {
		sent += count;
		return burst(world.discord, marks, count, tag);
	};
	await botBurst(WARMUP, 'bot-warmup');
	const rounds = await pairedRounds(
		context,
		bare,
		async (tag) => botBurst(context.sizes.deferInteractions, tag),
		'idle',
		settle,
	);
	await settle();
	const stages = await deferStages(context, 'bot-stages');
	// Let the jobs these commands started finish submitting before the next figure.
	await world.mj.waitForGenerate(generatesBefore + sent + STAGED - 1, 60_000);
	return ratioFigure('defer-latency', 'defer latency p99 (idle)', rounds, stages, [], started);
}

/**
 * A bot of its own with the provider's real submit limit (20 per 10 s) and `queuedJobs` commands waiting in its
 * queue; then the same rounds as idle.
 */
export async function deferQueuedFigure(context: BenchContext, bare: BareClient): Promise<Figure> {
	const started = performance.now();
	const { world, sizes } = context;
	world.newStore();
	await world.startBot({ label: 'defer-queued', env: { MJ_SUBMIT_LIMIT: '20', MJ_SUBMIT_WINDOW_MS: '10000' } });
	try {
		const marks = async (): Promise<readonly TapMark[]> => world.collectTap();
		const queued = await world.dispatchBurst(sizes.deferQueuedJobs, { window: 20, timeoutMs: 120_000 });
		context.log(
			`  ${queued.acknowledged}/${sizes.deferQueuedJobs} queued and acknowledged in ${round(queued.seconds, 1)} s`,
		);
		await sleep(1000);
		const rounds = await pairedRounds(
			context,
			bare,
			async (tag) => burst(world.discord, marks, sizes.deferInteractions, tag),
			`${sizes.deferQueuedJobs} queued`,
		);
		const stages = await deferStages(context, 'queued-stages');
		return ratioFigure(
			'defer-latency-queued',
			`defer latency p99 (${sizes.deferQueuedJobs} queued)`,
			rounds,
			stages,
			[`${sizes.deferQueuedJobs} jobs waiting in the bot's queue at the provider's submit limit (20 per 10 s)`],
			started,
		);
	} finally {
		await world.stopBot();
	}
}
