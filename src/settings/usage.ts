/**
 * Who started which job, for limits and `/jobs`. Two indexes in the store, written when a job is granted (before it
 * starts, under an id chosen then: see {@link SettingsService.authorizeJob}):
 * - `member-jobs`: a member's recent jobs in a server (`<guild>:<user>` → entries), for running counts and `/jobs`;
 * - `guild-day-jobs`: a server's jobs of one UTC day (list `<guild>:<day>`, in chunks: see chunkedList.ts), for the
 *   server-wide daily cap. (Before, `guild-jobs` held each day's list as one value; still read for that day.)
 * Counts read each job's state from the job repository: a job that failed is not counted against daily limits
 * (it cost nothing, or the provider refunds it), and a finished job no longer counts as running. An entry whose job
 * does not exist yet is a reservation: it counts as running while young, and for nothing once abandoned.
 *
 * Both indexes are read-modify-written: every write happens under the server's shared lock (the caller holds it),
 * or two processes writing at once could each drop the other's entry.
 */
import type Keyv from 'keyv';
import type { JobRepository } from '../jobs/repository.js';
import type { JobRecord } from '../jobs/types.js';
import type { Store } from '../store/store.js';
import { ChunkedList } from './chunkedList.js';
import { deleteWithPrefix } from './store.js';
import { startOfUtcDay, utcDayKey } from './time.js';

export interface JobEntry {
	id: string;
	/** When the job was granted (epoch ms): a moment before it started. */
	at: number;
}

export interface GuildJobEntry extends JobEntry {
	userId: string;
}

/**
 * How a job counts: granted but not yet started (`reserved`), still running, finished with a result, failed (given
 * back), or granted long ago and never started (`abandoned`: its process died or could not take it back).
 */
export type JobStanding = 'reserved' | 'running' | 'succeeded' | 'failed' | 'abandoned';

export interface MemberUsage {
	/** Entries of jobs reserved, queued or being generated. */
	running: JobEntry[];
	/** Jobs granted today (UTC) that did not fail. */
	today: number;
}

export interface GuildUsage {
	/** Jobs granted today (UTC) that did not fail. */
	today: number;
	/** Jobs started today that failed, so were given back. */
	failedToday: number;
	running: number;
	members: number;
}

/**
 * How long a granted job may take to start (its record to be stored): its entry counts as running meanwhile. A
 * command starts its job within a second or two; after this, nobody will.
 */
export const RESERVATION_TIMEOUT_MS = 5 * 60_000;

const DAY_MS = 24 * 60 * 60 * 1000;
/** A member's index keeps at least this many entries (the most `/jobs` shows)… */
const KEEP_RECENT = 25;
/** …and every entry younger than this (a running job, today's count). */
const KEEP_FOR_MS = 2 * DAY_MS;
/** Well above the highest daily limit: bounds the entry even without limits. */
const MAX_MEMBER_ENTRIES = 2000;

export class JobUsage {
	private readonly members: Keyv<JobEntry[]>;
	private readonly days: ChunkedList<GuildJobEntry>;
	private readonly dayChunks: Keyv<GuildJobEntry[]>;
	private readonly dayHeads: Keyv<number>;
	/** A day's list as one value, as versions before the chunks wrote it: read and trimmed, never appended to. */
	private readonly legacyDays: Keyv<GuildJobEntry[]>;
	/** Finished jobs never change standing again: remembered to spare store reads on every check. */
	private readonly settled = new Map<string, 'succeeded' | 'failed'>();

	public constructor(
		store: Store,
		private readonly repository: JobRepository,
		private readonly now: () => number = Date.now,
	) {
		this.members = store.collection<JobEntry[]>('member-jobs');
		this.dayChunks = store.collection<GuildJobEntry[]>('guild-day-jobs');
		this.dayHeads = store.collection<number>('guild-day-heads');
		this.days = new ChunkedList(this.dayChunks, this.dayHeads, KEEP_FOR_MS);
		this.legacyDays = store.collection<GuildJobEntry[]>('guild-jobs');
	}

	/** Records that a member was granted a job. The caller holds the server's shared lock. */
	public async record(guildId: string, userId: string, entry: JobEntry): Promise<void> {
		await this.recordMany(guildId, [{ userId, entry }]);
	}

	/** {@link record} for several jobs of one server at once: one read and one write per index entry touched. */
	public async recordMany(guildId: string, jobs: ReadonlyArray<{ userId: string; entry: JobEntry }>): Promise<void> {
		const byMember = groupBy(jobs, (job) => job.userId);
		for (const [userId, started] of byMember) {
			const memberKey = `${guildId}:${userId}`;
			const entries = (await this.members.get(memberKey)) ?? [];
			for (const { entry } of started) entries.push({ id: entry.id, at: entry.at });
			await this.members.set(memberKey, prune(entries, this.now()), 30 * DAY_MS);
		}
		const byDay = groupBy(jobs, (job) => utcDayKey(job.entry.at));
		for (const [dayKeyPart, started] of byDay) {
			const entries = started.map(({ userId, entry }) => ({ id: entry.id, at: entry.at, userId }));
			await this.days.append(`${guildId}:${dayKeyPart}`, entries);
		}
	}

	/** Takes back {@link record} for a job that did not start after all. The caller holds the server's shared lock. */
	public async unrecord(guildId: string, userId: string, entry: JobEntry): Promise<void> {
		const memberKey = `${guildId}:${userId}`;
		const entries = await this.members.get(memberKey);
		if (entries?.some((candidate) => candidate.id === entry.id)) {
			const kept = entries.filter((candidate) => candidate.id !== entry.id);
			await this.members.set(memberKey, kept, 30 * DAY_MS);
		}
		const dayKey = `${guildId}:${utcDayKey(entry.at)}`;
		if (await this.days.remove(dayKey, (candidate) => candidate.id === entry.id)) return;
		const legacy = await this.legacyDays.get(dayKey);
		if (legacy?.some((candidate) => candidate.id === entry.id)) {
			const kept = legacy.filter((candidate) => candidate.id !== entry.id);
			await this.legacyDays.set(dayKey, kept, KEEP_FOR_MS);
		}
	}

	/** A member's running (or reserved) jobs and today's count. */
	public async memberUsage(guildId: string, userId: string): Promise<MemberUsage> {
		const entries = (await this.members.get(`${guildId}:${userId}`)) ?? [];
		const since = this.now() - KEEP_FOR_MS;
		const recent = entries.filter((entry) => entry.at >= since);
		const standings = await this.standings(recent);
		const todayStart = startOfUtcDay(this.now());
		let today = 0;
		const running: JobEntry[] = [];
		recent.forEach((entry, index) => {
			const standing = standings[index]!;
			if (isRunning(standing)) running.push(entry);
			if (entry.at >= todayStart && countsToday(standing)) today += 1;
		});
		return { running, today };
	}

	/** The server's usage today. */
	public async guildUsage(guildId: string): Promise<GuildUsage> {
		const dayKey = `${guildId}:${utcDayKey(this.now())}`;
		const [chunked, legacy] = await Promise.all([this.days.entries(dayKey), this.legacyDays.get(dayKey)]);
		const entries = [...(legacy ?? []), ...chunked];
		const standings = await this.standings(entries);
		const counted = entries.filter((_, index) => standings[index] !== 'abandoned');
		return {
			today: standings.filter(countsToday).length,
			failedToday: standings.filter((standing) => standing === 'failed').length,
			running: standings.filter(isRunning).length,
			members: new Set(counted.map((entry) => entry.userId)).size,
		};
	}

	/** A member's most recent jobs, newest first, and every one of theirs still running. */
	public async recentJobs(guildId: string, userId: string, count: number): Promise<JobRecord[]> {
		const entries = (await this.members.get(`${guildId}:${userId}`)) ?? [];
		const newestFirst = [...entries].sort((a, b) => b.at - a.at);
		// A reservation has no job yet: nothing to list.
		const jobs = await Promise.all(newestFirst.map(async (entry) => this.repository.get(entry.id)));
		const known = jobs.filter((job): job is JobRecord => job !== undefined);
		const running = known.filter((job) => job.state.phase !== 'finished');
		const recent = known.slice(0, count);
		return [...new Set([...running, ...recent])].sort((a, b) => b.createdAt - a.createdAt);
	}

	public async job(id: string): Promise<JobRecord | undefined> {
		return this.repository.get(id);
	}

	/** Forgets a server's usage (the bot left it). */
	public async removeGuild(guildId: string): Promise<void> {
		await deleteWithPrefix(this.members, `${guildId}:`);
		await deleteWithPrefix(this.dayChunks, `${guildId}:`);
		await deleteWithPrefix(this.dayHeads, `${guildId}:`);
		await deleteWithPrefix(this.legacyDays, `${guildId}:`);
	}

	private async standings(entries: readonly JobEntry[]): Promise<JobStanding[]> {
		return Promise.all(
			entries.map(async (entry) => {
				const known = this.settled.get(entry.id);
				if (known) return known;
				const job = await this.repository.get(entry.id);
				if (!job) return this.now() - entry.at < RESERVATION_TIMEOUT_MS ? 'reserved' : 'abandoned';
				const standing = standingOf(job);
				if (standing === 'succeeded' || standing === 'failed') this.remember(entry.id, standing);
				return standing;
			}),
		);
	}

	private remember(id: string, standing: 'succeeded' | 'failed'): void {
		// Bounded: beyond it, forgetting costs only a store read.
		if (this.settled.size >= 50_000) this.settled.clear();
		this.settled.set(id, standing);
	}
}

export function standingOf(job: JobRecord): 'running' | 'succeeded' | 'failed' {
	if (job.state.phase !== 'finished') return 'running';
	return job.state.outcome.status === 'failed' ? 'failed' : 'succeeded';
}

/** Holds a place under the running limit: started or about to. */
function isRunning(standing: JobStanding): boolean {
	return standing === 'running' || standing === 'reserved';
}

/** Counts against daily limits: anything granted, except what failed (given back) or never started. */
function countsToday(standing: JobStanding): boolean {
	return standing !== 'failed' && standing !== 'abandoned';
}

function prune(entries: JobEntry[], now: number): JobEntry[] {
	const sorted = [...entries].sort((a, b) => a.at - b.at);
	const keepFrom = sorted.findIndex((entry) => entry.at >= now - KEEP_FOR_MS);
	const young = keepFrom === -1 ? sorted.length : keepFrom;
	const start = Math.min(young, Math.max(0, sorted.length - KEEP_RECENT));
	return sorted.slice(Math.max(start, sorted.length - MAX_MEMBER_ENTRIES));
}

/** `Map.groupBy` (Node 21+), for Node 20. */
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) {
		const key = keyOf(item);
		const group = groups.get(key);
		if (group) group.push(item);
		else groups.set(key, [item]);
	}
	return groups;
}
