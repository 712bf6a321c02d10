/**
 * Fair share: members with equal demand (6 jobs each, 8 members) queue all at once, each member's jobs back to back
 * (member 1's six, then member 2's…), the arrival order that first come, first served treats worst, after another
 * member's jobs used up the key's window (so that every one of them waits). Measured: each
 * member's mean wait from command to the provider's generate request, and Jain's index across members (1 = equal,
 * target ≥ 0.95). Baseline: the same index for first come, first served at the same rate, computed from the same
 * arrivals.
 */
import { performance } from 'node:perf_hooks';
import { jainIndex } from '../../src/jobs/fairness.js';
import type { BenchContext } from '../context.js';
import { ratioOf, type Figure } from '../report.js';
import { round } from '../stats.js';
import { MEMBER_IDS } from '../world.js';

const MEMBERS = 8;
const JOBS_PER_MEMBER = 6;
/** Submits per window: slow enough that every member waits, quick enough to finish in seconds. */
const RATE = { limit: 4, windowMs: 1000 };
const TARGET = 0.95;
const STRING_OPTION = 3;

export async function fairnessFigure(context: BenchContext): Promise<Figure> {
	const started = performance.now();
	const { world } = context;
	world.newStore();
	await world.startBot({
		label: 'fairness',
		env: { MJ_SUBMIT_LIMIT: String(RATE.limit), MJ_SUBMIT_WINDOW_MS: String(RATE.windowMs) },
	});
	try {
		// The key's window used up first, by another member: every measured job waits, none gets a free grant.
		const fillerFrom = world.mj.generateRequests.length;
		for (let job = 0; job < RATE.limit; job++) {
			world.discord.sendCommand({
				name: 'imagine',
				options: [{ name: 'prompt', type: STRING_OPTION, value: `fairness filler ${job}` }],
				userId: MEMBER_IDS[MEMBERS]!,
			});
		}
		await world.mj.waitForGenerate(fillerFrom + RATE.limit - 1, 30_000);
		const base = world.mj.generateRequests.length;
		const sent = new Map<string, { member: number; at: number }>();
		for (let member = 0; member < MEMBERS; member++) {
			for (let job = 0; job < JOBS_PER_MEMBER; job++) {
				const prompt = `fairness member ${member} job ${job}`;
				sent.set(prompt, { member, at: Date.now() });
				world.discord.sendCommand({
					name: 'imagine',
					options: [{ name: 'prompt', type: STRING_OPTION, value: prompt }],
					userId: MEMBER_IDS[member]!,
				});
			}
		}
		const total = MEMBERS * JOBS_PER_MEMBER;
		await world.mj.waitForGenerate(base + total - 1, 120_000);
		const waits: number[][] = Array.from({ length: MEMBERS }, () => []);
		for (const request of world.mj.generateRequests.slice(base)) {
			const from = sent.get(String(request.body['prompt']));
			if (from) waits[from.member]!.push(request.receivedAt - from.at);
		}
		const means = waits.map((list) => list.reduce((sum, wait) => sum + wait, 0) / list.length);
		const fair = jainIndex(means);
		const fcfs = jainIndex(firstComeFirstServedMeans());
		context.log(`  fairness: Jain ${round(fair, 3)} (first come, first served: ${round(fcfs, 3)})`);
		return {
			id: 'fairness',
			name: `fair share (Jain's index of waiting, ${MEMBERS} members × ${JOBS_PER_MEMBER} jobs)`,
			unit: 'index',
			value: round(fair, 3),
			baseline: round(fcfs, 3),
			baselineLabel: 'first come, first served (same arrivals and rate, computed)',
			ratio: ratioOf(fair, fcfs),
			target: `≥ ${TARGET}`,
			pass: fair >= TARGET,
			notes: [
				`${total} jobs queued at once, each member's back to back; ${RATE.limit} submits per ${RATE.windowMs} ms`,
				`mean wait per member (s): ${means.map((mean) => round(mean / 1000, 1)).join(', ')}`,
			],
			details: { members: MEMBERS, jobsPerMember: JOBS_PER_MEMBER, rate: RATE, meanWaitMs: means.map((m) => round(m)) },
			seconds: round((performance.now() - started) / 1000, 1),
		};
	} finally {
		await world.stopBot();
	}
}

/** Each member's mean wait under first come, first served: job i (in arrival order) leaves in window ⌊i / limit⌋. */
function firstComeFirstServedMeans(): number[] {
	return Array.from({ length: MEMBERS }, (_, member) => {
		let sum = 0;
		for (let job = 0; job < JOBS_PER_MEMBER; job++) {
			const index = member * JOBS_PER_MEMBER + job;
			sum += Math.floor(index / RATE.limit) * RATE.windowMs;
		}
		return sum / JOBS_PER_MEMBER;
	});
}
