/**
 * Who started which job, for limits and `/jobs`. Two indexes in the store, written when a job starts:
 * - `member-jobs`: a member's recent jobs in a server (`<guild>:<user>` → entries), for running counts and `/jobs`;
 * - `guild-jobs`: a server's jobs of one UTC day (`<guild>:<day>` → entries), for the server-wide daily cap.
 * Counts read each job's state from the job repository: a job that failed is not counted against daily limits
 * (it cost nothing, or the provider refunds it), and a finished job no longer counts as running.
 */
import type Keyv from 'keyv';
import type { JobRepository } from '../jobs/repository.js';
import type { JobRecord } from '../jobs/types.js';
import type { Store } from '../store.js';
import { KeyedLock } from './keyedLock.js';
import { deleteWithPrefix } from './store.js';
import { startOfUtcDay, utcDayKey } from './time.js';

export interface JobEntry {
	id: string;
	/** When the job started (epoch ms). */
	at: number;
}

export interface GuildJobEntry extends JobEntry {
	userId: string;
}

/** How a job counts: still running, finished with a result, failed (given back), or no longer known. */
export type JobStanding = 'running' | 'succeeded' | 'failed' | 'missing';

export interface MemberUsage {
	/** Entries of jobs queued or being generated. */
	running: JobEntry[];
	/** Jobs started today (UTC) that did not fail. */
	today: number;
}

export interface GuildUsage {
	/** Jobs started today (UTC) that did not fail. */
	today: number;
	/** Jobs started today that failed, so were given back. */
	failedToday: number;
	running: number;
	members: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A member's index keeps at least this many entries (the most `/jobs` shows)… */
const KEEP_RECENT = 25;
/** …and every entry younger than this (a running job, today's count). */
const KEEP_FOR_MS = 2 * DAY_MS;
/** Well above the highest daily limit: bounds the entry even without limits. */
const MAX_MEMBER_ENTRIES = 2000;

export class JobUsage {
	private readonly members: Keyv<JobEntry[]>;
	private readonly days: Keyv<GuildJobEntry[]>;
	private readonly lock = new KeyedLock();
	/** Finished jobs never change standing again: remembered to spare store reads on every check. */
	private readonly settled = new Map<string, Exclude<JobStanding, 'running'>>();

	public constructor(
		store: Store,
		private readonly repository: JobRepository,
		private readonly now: () => number = Date.now,
	) {
		this.members = store.collection<JobEntry[]>('member-jobs');
		this.days = store.collection<GuildJobEntry[]>('guild-jobs');
	}

	/** Records that a member started a job. */
	public async record(guildId: string, userId: string, job: Pick<JobRecord, 'id' | 'createdAt'>): Promise<void> {
		const memberKey = `${guildId}:${userId}`;
		await this.lock.run(`member:${memberKey}`, async () => {
			const entries = (await this.members.get(memberKey)) ?? [];
			entries.push({ id: job.id, at: job.createdAt });
			await this.members.set(memberKey, prune(entries, this.now()), 30 * DAY_MS);
		});
		const dayKey = `${guildId}:${utcDayKey(job.createdAt)}`;
		await this.lock.run(`day:${dayKey}`, async () => {
			const entries = (await this.days.get(dayKey)) ?? [];
			entries.push({ id: job.id, at: job.createdAt, userId });
			await this.days.set(dayKey, entries, KEEP_FOR_MS);
		});
	}

	/**
	 * A member's running jobs and today's count. `starting` are jobs started but perhaps not yet in the index
	 * (their `record()` is in flight): counted once whether or not they already are.
	 */
	public async memberUsage(guildId: string, userId: string, starting: readonly JobEntry[] = []): Promise<MemberUsage> {
		const entries = withStarting((await this.members.get(`${guildId}:${userId}`)) ?? [], starting);
		const since = this.now() - KEEP_FOR_MS;
		const recent = entries.filter((entry) => entry.at >= since);
		const standings = await this.standings(recent.map((entry) => entry.id));
		const todayStart = startOfUtcDay(this.now());
		let today = 0;
		const running: JobEntry[] = [];
		recent.forEach((entry, index) => {
			const standing = standings[index]!;
			if (standing === 'running') running.push(entry);
			if (entry.at >= todayStart && standing !== 'failed') today += 1;
		});
		return { running, today };
	}

	/** The server's usage today; `starting` as for {@link memberUsage}. */
	public async guildUsage(guildId: string, starting: readonly GuildJobEntry[] = []): Promise<GuildUsage> {
		const todayStart = startOfUtcDay(this.now());
		const entries = withStarting(
			(await this.days.get(`${guildId}:${utcDayKey(this.now())}`)) ?? [],
			starting.filter((entry) => entry.at >= todayStart),
		);
		const standings = await this.standings(entries.map((entry) => entry.id));
		return {
			today: standings.filter((standing) => standing !== 'failed').length,
			failedToday: standings.filter((standing) => standing === 'failed').length,
			running: standings.filter((standing) => standing === 'running').length,
			members: new Set(entries.map((entry) => entry.userId)).size,
		};
	}

	/** A member's most recent jobs, newest first, and every one of theirs still running. */
	public async recentJobs(guildId: string, userId: string, count: number): Promise<JobRecord[]> {
		const entries = (await this.members.get(`${guildId}:${userId}`)) ?? [];
		const newestFirst = [...entries].sort((a, b) => b.at - a.at);
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
		await deleteWithPrefix(this.days, `${guildId}:`);
	}

	private async standings(ids: readonly string[]): Promise<JobStanding[]> {
		return Promise.all(
			ids.map(async (id) => {
				const known = this.settled.get(id);
				if (known) return known;
				const standing = standingOf(await this.repository.get(id));
				if (standing !== 'running') this.remember(id, standing);
				return standing;
			}),
		);
	}

	private remember(id: string, standing: Exclude<JobStanding, 'running'>): void {
		// Bounded: beyond it, forgetting costs only a store read.
		if (this.settled.size >= 50_000) this.settled.clear();
		this.settled.set(id, standing);
	}
}

export function standingOf(job: JobRecord | undefined): JobStanding {
	if (!job) return 'missing';
	if (job.state.phase !== 'finished') return 'running';
	return job.state.outcome.status === 'failed' ? 'failed' : 'succeeded';
}

function withStarting<T extends JobEntry>(entries: T[], starting: readonly T[]): T[] {
	const known = new Set(entries.map((entry) => entry.id));
	return [...entries, ...starting.filter((entry) => !known.has(entry.id))];
}

function prune(entries: JobEntry[], now: number): JobEntry[] {
	const sorted = [...entries].sort((a, b) => a.at - b.at);
	const keepFrom = sorted.findIndex((entry) => entry.at >= now - KEEP_FOR_MS);
	const young = keepFrom === -1 ? sorted.length : keepFrom;
	const start = Math.min(young, Math.max(0, sorted.length - KEEP_RECENT));
	return sorted.slice(Math.max(start, sorted.length - MAX_MEMBER_ENTRIES));
}
