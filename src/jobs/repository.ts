import type Keyv from 'keyv';
import { KeyedLock } from '../store/keyedLock.js';
import type { Store } from '../store/store.js';
import type { JobRecord } from './types.js';

/** Jobs are kept for a while after delivery so buttons and reactions on old results keep working. */
const FINISHED_JOB_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** An early callback only matters until its submit's answer is stored, seconds later. */
const EARLY_CALLBACK_TTL_MS = 60 * 60 * 1000;
/**
 * `create` writes a job's open-index entry before the job itself, so for a moment an entry has no job: one younger than
 * this may belong to a job being created right now (by this process or another) and is never dropped as dangling.
 */
const CREATING_GRACE_MS = 10 * 60 * 1000;

/**
 * Jobs in the store. Writes to one job are serialised within the process so a callback and a poll that race
 * each see the other's result (across processes, see the atomic claims in store/claims.ts).
 */
export class JobRepository {
	private readonly jobs: Keyv<JobRecord>;
	/** Ids of jobs whose delivery is not settled: what restart recovery resumes. */
	private readonly open: Keyv<number>;
	/** Callbacks that arrived before their job's submit was answered (job id → task id), kept apart from the job. */
	private readonly early: Keyv<string>;
	/** Deliveries to try again (job id → when, epoch ms): what any process's sweep picks up. Few: failures only. */
	private readonly deferred: Keyv<number>;
	private readonly locks = new KeyedLock();

	public constructor(store: Store) {
		this.jobs = store.collection<JobRecord>('jobs');
		this.open = store.collection<number>('open-jobs');
		this.early = store.collection<string>('early-callbacks');
		this.deferred = store.collection<number>('deferred-deliveries');
	}

	public async get(id: string): Promise<JobRecord | undefined> {
		return this.jobs.get(id);
	}

	public async create(job: JobRecord): Promise<void> {
		// Open index first: a crash between the two writes leaves a dangling id (skipped on recovery), never a lost job.
		await this.open.set(job.id, job.createdAt);
		await this.jobs.set(job.id, job);
	}

	/**
	 * Applies `change` to the current record under the job's lock and stores the result.
	 * `change` returns the new record, or undefined to leave the job as it is.
	 */
	public async update(
		id: string,
		change: (job: JobRecord) => JobRecord | undefined,
		/**
		 * Resolves whether the change may be made at all (e.g. an atomic claim across processes). Awaited together with
		 * the read, so a caller that needs both pays one store round trip rather than two in turn. False: undefined.
		 */
		allowed?: Promise<boolean>,
	): Promise<{ before: JobRecord; after: JobRecord } | undefined> {
		// It may settle while an earlier write to the job holds the lock: handled now, so that is no unhandled rejection.
		allowed?.catch(() => undefined);
		return this.locks.run(id, async () => {
			const [before, mayChange] = await Promise.all([this.jobs.get(id), allowed ?? true]);
			if (!before || !mayChange) return undefined;
			const after = change(structuredClone(before));
			if (!after) return { before, after: before };
			const settled = after.state.phase === 'finished' && after.state.delivery.state !== 'pending';
			await this.jobs.set(id, after, settled ? FINISHED_JOB_TTL_MS : undefined);
			if (settled) await this.open.delete(id);
			return { before, after };
		});
	}

	/** Notes the task id of a callback that arrived before the job's submit was answered. */
	public async setEarlyCallback(jobId: string, taskId: string): Promise<void> {
		await this.early.set(jobId, taskId, EARLY_CALLBACK_TTL_MS);
	}

	/** The task id of a callback that arrived before the submit was answered, if one did. */
	public async earlyCallback(jobId: string): Promise<string | undefined> {
		return this.early.get(jobId);
	}

	/**
	 * Drops an id from the open index whose job does not exist, unless the entry is recent (its job may be being
	 * created right now). Returns whether it was dropped.
	 */
	public async forgetOpen(id: string, now: number = Date.now()): Promise<boolean> {
		const openedAt = await this.open.get(id);
		if (openedAt !== undefined && now - openedAt < CREATING_GRACE_MS) return false;
		await this.open.delete(id);
		return true;
	}

	/** Ids of every job whose result has not been delivered (or definitively failed to be). */
	public async listOpen(): Promise<string[]> {
		const ids: string[] = [];
		if (!this.open.iterator) throw new Error('The store cannot list keys; restart recovery needs an iterable store');
		for await (const [key] of this.open.iterator(undefined)) ids.push(String(key));
		return ids;
	}

	/** Notes that a job's delivery is to be tried again at `at` (epoch ms), by whichever process gets there first. */
	public async deferDelivery(id: string, at: number): Promise<void> {
		await this.deferred.set(id, at);
	}

	/** Forgets a deferred delivery (delivered, or settled otherwise). */
	public async forgetDeferred(id: string): Promise<void> {
		await this.deferred.delete(id);
	}

	/** Ids of the deferred deliveries due by `now`. */
	public async dueDeliveries(now: number): Promise<string[]> {
		if (!this.deferred.iterator) return [];
		const due: string[] = [];
		for await (const [key, at] of this.deferred.iterator(undefined)) if (Number(at) <= now) due.push(String(key));
		return due;
	}
}
