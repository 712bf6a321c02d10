/**
 * `npm run bench [-- --quick] [--only=id,id] [--profile=cpu|heap|snapshot] [--env=KEY=VALUE …] [--strict]`
 *
 * Starts the real bot (discord.js client, Hono server, Keyv on a SQLite file) in a child process against the test
 * suite's fake Discord and fake Midjourney, measures each figure against a baseline taken in the same run, prints one
 * table and writes bench-results/latest.json (and bench-results/<run id>.json). Bot logs go to bench-results/logs/,
 * profiles (with --profile) to bench-results/profiles/ (`snapshot`: heap snapshots of the memory figure's bot, idle
 * and with the jobs pending, and of the burst's bot right after its burst). `--env` adds a variable to the bot's environment (to compare a
 * setting, e.g. `--env=LOG_LEVEL=warn`); the figures then no longer measure the defaults, and the JSON says so.
 *
 * Exit code: 1 when a figure could not be measured (or, with --strict, when one misses its target); 0 otherwise.
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleChildren, RESULTS_DIR, startChild, type Child } from './child.js';
import { FULL, QUICK, type BenchContext } from './context.js';
import { bucketsFigure } from './figures/buckets.js';
import { burstFigure } from './figures/burst.js';
import { deferLatencyFigure, deferQueuedFigure, startBareClient, type BareClient } from './figures/deferLatency.js';
import { deliveryOverheadFigure } from './figures/deliveryOverhead.js';
import { floodFigure } from './figures/flood.js';
import { memoryFigures } from './figures/memory.js';
import { validCallbacksFigure } from './figures/validCallbacks.js';
import { formatTable, writeResults, type Figure } from './report.js';
import { round } from './stats.js';
import { BenchWorld } from './world.js';

const FIGURE_IDS = [
	'defer-latency',
	'defer-latency-queued',
	'delivery-overhead',
	'valid-callbacks',
	'discord-buckets',
	'forged-callback-flood',
	'burst',
	'memory',
	'restart-backlog',
] as const;

interface Args {
	quick: boolean;
	strict: boolean;
	only: Set<string>;
	profile: 'cpu' | 'heap' | 'snapshot' | undefined;
	env: Record<string, string>;
}

function parseArgs(argv: readonly string[]): Args {
	const args: Args = { quick: false, strict: false, only: new Set(FIGURE_IDS), profile: undefined, env: {} };
	for (const arg of argv) {
		if (arg === '--quick') args.quick = true;
		else if (arg === '--strict') args.strict = true;
		else if (arg.startsWith('--only=')) args.only = new Set(arg.slice('--only='.length).split(','));
		else if (arg === '--profile=cpu' || arg === '--profile=heap' || arg === '--profile=snapshot')
			args.profile = arg.slice('--profile='.length) as Args['profile'];
		else if (/^--env=[A-Z_][A-Z0-9_]*=/.test(arg)) {
			const [key = '', ...value] = arg.slice('--env='.length).split('=');
			args.env[key] = value.join('=');
		} else
			throw new Error(
				`Unknown argument ${arg} (use --quick, --strict, --only=${FIGURE_IDS.join(',')}, --profile=cpu|heap|snapshot, --env=KEY=VALUE)`,
			);
	}
	for (const id of args.only) {
		if (!(FIGURE_IDS as readonly string[]).includes(id))
			throw new Error(`Unknown figure ${id}; figures: ${FIGURE_IDS.join(', ')}`);
	}
	return args;
}

function failed(id: string, error: unknown, seconds: number): Figure {
	return {
		id,
		name: id,
		unit: '',
		value: null,
		baseline: null,
		baselineLabel: '',
		ratio: null,
		target: '',
		pass: null,
		notes: [],
		details: {},
		error: error instanceof Error ? (error.stack ?? error.message) : String(error),
		seconds: round(seconds, 1),
	};
}

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const started = performance.now();
	const startedAt = new Date().toISOString();
	const loadAtStart = loadavg()[0] ?? 0;
	const runId = startedAt.replace(/[:.]/g, '-');
	const log = (message: string): void => {
		console.log(
			`[${round((performance.now() - started) / 1000, 1)
				.toFixed(1)
				.padStart(6)} s] ${message}`,
		);
	};
	const botNodeArgs =
		args.profile === 'cpu'
			? ['--cpu-prof', '--cpu-prof-dir={profiles}']
			: args.profile === 'heap'
				? ['--heap-prof', '--heap-prof-dir={profiles}']
				: [];

	log(
		`bench (${args.quick ? 'quick' : 'full'}), load average ${round(loadAtStart, 2)} on ${cpus().length} cores: bundling the child processes`,
	);
	const runner = await bundleChildren();
	if (runner === 'tsx') log('esbuild is not importable: children run under tsx (about 35 MB more RSS each)');
	const world = await BenchWorld.start({ botNodeArgs, botEnv: args.env, runId });
	const context: BenchContext = {
		world,
		sizes: args.quick ? QUICK : FULL,
		quick: args.quick,
		runId,
		heapSnapshots: args.profile === 'snapshot',
		log,
	};
	const figures: Figure[] = [];
	let bareHono: Child | undefined;
	let bareClient: BareClient | undefined;

	const measure = async (id: string, run: () => Promise<Figure | Figure[]>): Promise<void> => {
		const at = performance.now();
		log(`${id}…`);
		try {
			const result = await run();
			for (const figure of Array.isArray(result) ? result : [result]) {
				figures.push(figure);
				log(`${figure.name}: ${figure.value ?? '–'} ${figure.unit} (${figure.pass ? 'pass' : 'MISS'})`);
			}
		} catch (error) {
			log(`${id} failed: ${error instanceof Error ? error.message : String(error)}`);
			figures.push(failed(id, error, (performance.now() - at) / 1000));
		}
	};

	try {
		const wants = (id: string): boolean => args.only.has(id);
		const needsMainBot = (
			['defer-latency', 'delivery-overhead', 'valid-callbacks', 'forged-callback-flood'] as const
		).some(wants);
		if (wants('valid-callbacks') || wants('forged-callback-flood')) {
			bareHono = await startChild('bareHono', {
				env: {},
				logFile: join(RESULTS_DIR, 'logs', `${runId}-bare-hono.log`),
			});
		}
		if (wants('defer-latency') || wants('defer-latency-queued')) bareClient = await startBareClient(context);
		if (needsMainBot) {
			await world.startBot({ label: 'main' });
			log(`bot ready on port ${world.botPort}`);
			if (wants('defer-latency') && bareClient) {
				const bare = bareClient;
				await measure('defer-latency', async () => deferLatencyFigure(context, bare));
			}
			if (wants('delivery-overhead')) await measure('delivery-overhead', async () => deliveryOverheadFigure(context));
			if (wants('valid-callbacks') && bareHono) {
				const bare = bareHono;
				await measure('valid-callbacks', async () => validCallbacksFigure(context, bare));
			}
			if (wants('forged-callback-flood') && bareHono) {
				const bare = bareHono;
				await measure('forged-callback-flood', async () => floodFigure(context, bare));
			}
			await world.stopBot();
		}
		if (wants('discord-buckets')) {
			// A bot of its own, with the provider's query limit lifted as its submit limit is (see world.ts). With the
			// real limits results arrive at most 2/s (20 submits per 10 s), a fifth of the 10 queries/s that confirm
			// them, so confirmations never wait; this figure compresses hundreds of results into one burst, which at
			// 10/s would measure the provider's limit (N / 10 s) instead of how the bot meets Discord's buckets.
			world.newStore();
			await world.startBot({ label: 'buckets', env: { MJ_QUERY_RATE: '1000' } });
			await measure('discord-buckets', async () => bucketsFigure(context));
			await world.stopBot();
		}
		if (wants('defer-latency-queued') && bareClient) {
			const bare = bareClient;
			await measure('defer-latency-queued', async () => deferQueuedFigure(context, bare));
		}
		await bareClient?.stop();
		bareClient = undefined;
		if (wants('burst')) await measure('burst', async () => burstFigure(context));
		if (wants('memory') || wants('restart-backlog')) await measure('memory', async () => memoryFigures(context));
	} finally {
		await bareHono?.stop();
		await bareClient?.stop();
		await world.close();
	}

	const seconds = round((performance.now() - started) / 1000, 1);
	console.log('');
	console.log(formatTable(figures));
	const file = writeResults(
		{
			mode: args.quick ? 'quick' : 'full',
			runId,
			startedAt,
			seconds,
			botEnv: args.env,
			childRunner: runner,
			loadAtStart,
		},
		figures,
		RESULTS_DIR,
	);
	console.log(
		`\n${figures.filter((figure) => figure.pass).length}/${figures.length} figures pass; ${seconds} s; ${file}`,
	);
	const errored = figures.some((figure) => figure.pass === null);
	const missed = figures.some((figure) => figure.pass === false);
	process.exitCode = errored || (args.strict && missed) ? 1 : 0;
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
