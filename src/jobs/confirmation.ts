/**
 * Confirming submitted jobs: every status query the bot makes, under the provider's query limit (this process's, and
 * the account's window shared with other processes when there is one), one process at a time per job (the poll
 * lease), with back-off while the job is pending or the store fails, and the job's time-out.
 */
import { MjApiError } from '../api/errors.js';
import { UNNAMED_DEFAULT_KEY, type JobServiceOptions } from './contracts.js';
import type { JobDelivery } from './delivery.js';
import { failedWith } from './failureReason.js';
import { pollDelay } from './poller.js';
import { PollScheduler } from './pollScheduler.js';
import type { SlidingWindowLimiter } from './rateLimit.js';
import type { SharedWindow } from './sharedWindow.js';
import type { FinishedJob, FinishedOutcome, JobRecord } from './types.js';

/** When another process is polling a job right now, look again this much later (its answer may be "pending"). */
const POLL_LEASE_BUSY_RETRY_MS = 1_000;

/** What a callback found: the job as it just read it, and the result files it reported (fetched while confirming). */
export interface CallbackFindings {
	job: JobRecord;
	reported: readonly string[];
}

export interface JobConfirmationOptions extends Pick<
	JobServiceOptions,
	| 'repository'
	| 'claims'
	| 'api'
	| 'logger'
	| 'metrics'
	| 'poll'
	| 'jobTimeoutMs'
	| 'adoption'
	| 'keys'
	| 'defaultKeyId'
> {
	/** This process's query limit. */
	queries: SlidingWindowLimiter;
	/** A key's query window shared with other processes, when there are any. */
	sharedQueriesFor: (keyId: string) => SharedWindow | undefined;
	delivery: JobDelivery;
	now: () => number;
	/** Aborts a wait for a shared grant when the service stops. */
	stopping: AbortSignal;
	/** Runs background work so shutdown can wait for it. */
	track: (work: Promise<unknown>) => void;
	/** Moves the job to `finished` exactly once, across processes: the finished record, if this call did it. */
	recordFinished: (jobId: string, taskId: string, outcome: FinishedOutcome) => Promise<FinishedJob | undefined>;
}

export class JobConfirmation {
	private readonly polls: PollScheduler;
	/** Polls made so far of each job still pending here, for the back-off. */
	private readonly attempts = new Map<string, number>();

	public constructor(private readonly options: JobConfirmationOptions) {
		this.polls = new PollScheduler(options.queries, (jobId) => options.track(this.confirmAndFinish(jobId)));
	}

	/** Polls the job after `delayMs` (or sooner if it is already due sooner). */
	public pollIn(jobId: string, delayMs: number): void {
		this.polls.schedule(jobId, delayMs);
	}

	/**
	 * A callback says the job is done: confirmed at once when the query limit has room, else in its turn, however many
	 * callbacks arrive together. At once, what the callback found serves the confirmation (no second read), and the
	 * results download meanwhile (when it waits its turn, they would only sit in memory).
	 */
	public confirmSoon(jobId: string, callback: CallbackFindings | undefined): void {
		if (callback && this.polls.tryRunNow(jobId)) this.options.track(this.confirmAndFinish(jobId, callback));
		else this.polls.schedule(jobId, 0);
	}

	/** Confirms now, outside the query limit: for the rare callback that beat its submit's answer. */
	public confirmNow(jobId: string): void {
		this.options.track(this.confirmAndFinish(jobId));
	}

	/** The job is finished: its back-off is forgotten. */
	public forget(jobId: string): void {
		this.attempts.delete(jobId);
	}

	public stop(): void {
		this.polls.stop();
	}

	/**
	 * Asks task details (the source of truth) and finishes the job when it is done; else polls again later.
	 * One process at a time asks about a job: the poll lease, held until the answer is stored.
	 */
	private async confirmAndFinish(jobId: string, callback?: CallbackFindings): Promise<void> {
		try {
			await this.confirmUnderLease(jobId, callback);
		} catch (error) {
			// The store or the claims failed: the job is polled again later, as after a failed status query, rather than
			// left unpolled until the next start. (A job finished meanwhile is not confirmed twice: see the finish claim.)
			const retryInMs = this.pollAgainLater(jobId);
			this.options.logger.warn({ err: error, jobId, retryInMs }, 'Could not confirm the job now; will poll again');
		}
	}

	/** One confirmation, under the job's poll lease; throws when the store or the claims fail. */
	private async confirmUnderLease(jobId: string, callback: CallbackFindings | undefined): Promise<void> {
		const { claims, repository, delivery } = this.options;
		const lease = `poll:${jobId}`;
		// Read alongside the claim rather than after it (or not at all when a callback has just read it): a read that
		// misses the previous holder's answer by a moment costs one redundant query at worst (the finish claim still
		// makes delivery exactly-once), and every confirmation saves a store round trip.
		const [leased, job] = await Promise.all([
			// As long as a status query can last: given back as soon as the poll is done, so a process killed while it
			// holds one delays the job's next poll by no more than that.
			claims.claim(lease, this.options.adoption.requestDeadlineMs),
			callback?.job ?? repository.get(jobId),
		]);
		let finished: FinishedJob | undefined;
		if (leased) {
			try {
				finished = await this.confirm(jobId, job, callback?.reported ?? []);
			} finally {
				// Given back in the background: the delivery need not wait for it.
				this.options.track(claims.release(lease));
			}
		} else if (job?.state.phase === 'submitted') {
			this.polls.schedule(jobId, POLL_LEASE_BUSY_RETRY_MS);
		}
		// Results fetched ahead of this confirmation serve only a success delivered from here; otherwise they go.
		if (finished?.state.outcome.status !== 'succeeded') delivery.forgetPrefetch(jobId);
		if (finished) await delivery.deliver(finished);
	}

	/** One poll under the lease: the finished job to deliver, if this poll finished it. */
	private async confirm(
		jobId: string,
		job: JobRecord | undefined,
		reported: readonly string[],
	): Promise<FinishedJob | undefined> {
		if (!job || job.state.phase !== 'submitted') return undefined;
		const { api, metrics, recordFinished } = this.options;
		const { taskId, submittedAt } = job.state;
		const log = this.options.logger.child({ jobId, taskId, guildId: job.target.guildId });
		try {
			const key = await this.keyOf(job.target.guildId, job.state.keyId);
			if (key === 'gone') {
				log.warn({ keyId: job.state.keyId }, 'The key that created the task is no longer held; the job ends');
				this.polls.cancel(jobId);
				return await recordFinished(jobId, taskId, failedWith('key-gone'));
			}
			const shared = this.options.sharedQueriesFor(key.keyId);
			if (shared) {
				try {
					await shared.acquire(this.options.stopping);
				} catch {
					return undefined; // Stopping: the job stays submitted and is polled after the next start.
				}
			}
			metrics?.polls.inc();
			const asked = api.getTask(taskId, key.apiKey);
			// After the query is on its way: the answer is what delivery waits for, the downloads fit in meanwhile.
			if (reported.length > 0) this.options.delivery.prefetch(job, reported);
			const details = await asked;
			if (details.outcome.status !== 'pending') {
				this.polls.cancel(jobId);
				return await recordFinished(jobId, taskId, details.outcome);
			}
		} catch (error) {
			if (error instanceof MjApiError) metrics?.providerErrors.inc({ code: String(error.code ?? error.failure.kind) });
			log.warn({ err: error }, 'Task details unavailable; will poll again');
		}
		if (this.options.now() - submittedAt > this.options.jobTimeoutMs) {
			const minutes = Math.round(this.options.jobTimeoutMs / 60_000);
			return recordFinished(jobId, taskId, failedWith('timed-out', { count: minutes }));
		}
		this.pollAgainLater(jobId);
		return undefined;
	}

	/**
	 * The key a task is asked about with (a task is only told to the account that created it): the one its job
	 * recorded (`apiKey` undefined: the operator's default), or `gone` when the server no longer holds it. A job
	 * recorded without one is asked about with the server's current key.
	 */
	private async keyOf(
		guildId: string,
		recorded: string | undefined,
	): Promise<{ keyId: string; apiKey?: string } | 'gone'> {
		const { keys } = this.options;
		const defaultKeyId = this.options.defaultKeyId ?? UNNAMED_DEFAULT_KEY;
		if (recorded === undefined) {
			const key = await keys?.forGuild(guildId);
			return typeof key === 'object' ? key : { keyId: defaultKeyId };
		}
		if (recorded === defaultKeyId) return { keyId: recorded };
		return (await keys?.byId(guildId, recorded)) ?? 'gone';
	}

	/** Schedules the job's next poll, backing off with each attempt. Returns the delay. */
	private pollAgainLater(jobId: string): number {
		const attempt = (this.attempts.get(jobId) ?? 0) + 1;
		this.attempts.set(jobId, attempt);
		const delayMs = pollDelay(this.options.poll, attempt, false);
		this.polls.schedule(jobId, delayMs);
		return delayMs;
	}
}
