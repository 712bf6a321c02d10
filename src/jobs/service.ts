import { randomBytes } from 'node:crypto';
import { MjApiError } from '../api/errors.js';
import type { CallbackReport } from '../api/types.js';
import { StoreUnavailableError } from '../storeUnavailable.js';
import { JobConfirmation } from './confirmation.js';
import type { CallbackVerdict, JobServiceOptions, NewJob } from './contracts.js';
import { JobDelivery } from './delivery.js';
import { persist } from './persist.js';
import { pollDelay } from './poller.js';
import { explainProviderFailure, submitRetryDelay } from './providerErrors.js';
import { providerLimits } from './providerLimits.js';
import { QueuePositions } from './queuePositions.js';
import type { SharedWindow } from './sharedWindow.js';
import { SubmitQueue, type SubmitResult } from './submitQueue.js';
import { isFinished, type FinishedJob, type FinishedOutcome, type JobRecord } from './types.js';

export type { CallbackVerdict, JobPublisher, JobServiceOptions, NewJob, PublishedMessage } from './contracts.js';

/** Held for a day: a submit claim only guards one attempt number of one job. */
const SUBMIT_CLAIM_TTL_MS = 24 * 60 * 60_000;
/**
 * When the store cannot answer before a submission leaves, the queue waits this long and tries the job again: one
 * claim or read per attempt, and a member waiting for no longer than needed once the store is back.
 */
const STORE_RETRY_MS = 2_000;
/** If the claimant dies before storing the outcome, another process may finish the job after this long. */
const FINISH_CLAIM_TTL_MS = 10 * 60_000;

/** A withdrawn job's submit claim outlives by far any job the store keeps. */
const WITHDRAWN_CLAIM_TTL_MS = 365 * 24 * 60 * 60_000;

/** The claim that makes one process, of all, submit attempt `attemptsBefore + 1` of a job. */
function submitClaimKey(jobId: string, attemptsBefore: number): string {
	return `submit:${jobId}:${attemptsBefore}`;
}

/** A fresh job id: 96 random bits, URL-safe (it appears in callback URLs and custom ids). */
export function newJobId(): string {
	return randomBytes(12).toString('base64url');
}

/** The job lifecycle: record → queue → submit → (callback | poll) → confirm (confirmation.ts) → finish → deliver. */
export class JobService {
	private readonly confirmation: JobConfirmation;
	private readonly queue: SubmitQueue;
	private readonly positions: QueuePositions;
	private readonly inFlight = new Set<Promise<unknown>>();
	private readonly delivery: JobDelivery;
	private readonly now: () => number;
	private stopped = false;
	/** Aborts waits for a shared rate-limit grant when the service stops. */
	private readonly stopping = new AbortController();
	/** The account's submit window shared with other processes, when there are any. */
	private readonly sharedSubmits: SharedWindow | undefined;

	public constructor(private readonly options: JobServiceOptions) {
		this.now = options.now ?? Date.now;
		const limits = providerLimits({ ...options, ...(options.shareLimits ? { sharedThrough: options.claims } : {}) });
		this.sharedSubmits = limits.shared?.submits;
		this.delivery = new JobDelivery({ ...options, now: this.now, track: (work) => this.track(work) });
		this.positions = new QueuePositions({ ...options, now: this.now, track: (work) => this.track(work) });
		this.confirmation = new JobConfirmation({
			...options,
			queries: limits.queries,
			sharedQueries: limits.shared?.queries,
			delivery: this.delivery,
			now: this.now,
			stopping: this.stopping.signal,
			track: (work) => this.track(work),
			recordFinished: async (jobId, taskId, outcome) => this.recordFinished(jobId, taskId, outcome),
		});
		this.queue = new SubmitQueue({
			limiter: limits.submits,
			submit: async (jobId, takeGrant) => this.submit(jobId, takeGrant),
			onMoved: (positions) => {
				options.metrics?.queueLength.set(positions.size);
				this.positions.moved(positions);
			},
			onError: (error, jobId) => options.logger.error({ err: error, jobId }, 'Submission failed unexpectedly'),
		});
	}

	/** Records the job, shows the member it is working (or waiting), then queues its submission. */
	public async start(newJob: NewJob): Promise<JobRecord> {
		const { repository, logger } = this.options;
		const job: JobRecord = {
			id: newJob.id ?? newJobId(),
			kind: newJob.kind,
			createdAt: this.now(),
			target: newJob.target,
			request: newJob.request,
			state: { phase: 'queued', attempts: 0 },
			...(newJob.parent ? { parent: newJob.parent } : {}),
		};
		// Record before submit: whatever happens next, the job can be found and reported.
		try {
			await repository.create(job);
		} catch (error) {
			if (error instanceof StoreUnavailableError) this.track(this.withdraw(job.id));
			throw error;
		}
		const log = logger.child({ jobId: job.id, guildId: job.target.guildId, userId: job.target.requesterId });
		const position = this.queue.busy ? this.queue.length + 1 : undefined;
		try {
			const messageId = await this.options.publisher.showWorking(job, position);
			await repository.update(job.id, (current) => ({ ...current, target: { ...current.target, messageId } }));
			if (position) this.positions.noteShown(job.id, position);
		} catch (error) {
			// The reply could not be shown (Discord hiccup): still submit, delivery has its fallbacks.
			log.warn({ err: error }, 'Could not show the working message');
		}
		const waiting = this.queue.enqueue(job.id);
		this.options.metrics?.queueLength.set(this.queue.length);
		this.positions.showIfWaiting(job.id, waiting);
		return job;
	}

	/**
	 * A job whose recording the store did not confirm, and which the caller reports as not taken: a write that timed
	 * out may still land later, and the job must then never be submitted. The claim on its first submission is taken
	 * (kept until the store answers), so that no process submits it, ever; and the job, if it is there, is closed
	 * without a delivery. (Closing alone would not do: the write that timed out could land after it.)
	 */
	private async withdraw(jobId: string): Promise<void> {
		const { claims, repository, logger } = this.options;
		const options = { logger: logger.child({ jobId }), signal: this.stopping.signal };
		await persist(async () => claims.claim(submitClaimKey(jobId, 0), WITHDRAWN_CLAIM_TTL_MS), {
			...options,
			what: 'the withdrawal of a job that was not taken',
		});
		await persist(
			async () =>
				repository.update(jobId, (current) =>
					current.state.phase === 'queued'
						? {
								...current,
								state: {
									phase: 'finished',
									taskId: null,
									outcome: { status: 'failed', reason: 'Not taken: the store was unavailable.' },
									finishedAt: this.now(),
									delivery: { state: 'failed', at: this.now(), reason: 'The member was told it was not taken.' },
								},
							}
						: undefined,
				),
			{ ...options, what: 'the closing of a job that was not taken' },
		);
	}

	/** Where a job waits in the submission queue (1-based), if it does. */
	public queuePosition(jobId: string): number | undefined {
		return this.queue.position(jobId);
	}

	/** One submission attempt, called by the queue under the provider's rate limit. */
	private async submit(jobId: string, takeGrant: () => Promise<void>): Promise<SubmitResult> {
		const { repository, api, logger } = this.options;
		let before: JobRecord | undefined;
		try {
			before = await repository.get(jobId);
		} catch (error) {
			if (error instanceof StoreUnavailableError && !this.stopped) return { kind: 'retry', afterMs: STORE_RETRY_MS };
			throw error;
		}
		if (before?.state.phase !== 'queued') return { kind: 'done' };
		const attemptsBefore = before.state.attempts;
		const log = logger.child({
			jobId,
			guildId: before.target.guildId,
			userId: before.target.requesterId,
			taskType: before.request.taskType,
		});
		// The grants first, and only then the job marked `submitting`: while it waits for its turn (the account's window
		// shared with other processes may hold it for seconds), the store still says `queued` and nothing is claimed, so
		// a stop, or even a crash, meanwhile leaves a job the next start simply submits, rather than one it must report
		// as "unknown whether it started".
		try {
			await takeGrant();
			if (this.sharedSubmits && !(await this.sharedSubmits.tryTake())) {
				log.debug('Waiting for a turn in the submit window shared with the other processes');
				// The member is shown it waits, as for a place in this process's queue: next here, its turn depends on the
				// other processes. Once submitted, the reply says it is being generated (see `positions.forget` below).
				this.positions.showIfWaiting(jobId, 1);
				await this.sharedSubmits.acquire(this.stopping.signal);
			}
		} catch (error) {
			// The store could not give the account's shared grant: nothing was sent, the job waits for the store to answer.
			if (error instanceof StoreUnavailableError && !this.stopped) {
				log.warn({ err: error, retryInMs: STORE_RETRY_MS }, 'Store unavailable before submitting; will try again');
				return { kind: 'retry', afterMs: STORE_RETRY_MS };
			}
			return { kind: 'done' }; // Stopping before the request left: the job stays queued for the next start.
		}
		// Another process sharing the store may have queued the same job after a restart: one of them submits. The claim
		// is taken while the job is read for the change, which is made only if it was won and nobody has tried meanwhile.
		const submitClaim = this.options.claims.claim(submitClaimKey(jobId, attemptsBefore), SUBMIT_CLAIM_TTL_MS);
		let attempts = 0;
		const claimed = await repository.update(
			jobId,
			(current) => {
				if (current.state.phase !== 'queued' || current.state.attempts !== attemptsBefore) return undefined;
				attempts = current.state.attempts + 1;
				return { ...current, state: { phase: 'submitting', attempts, since: this.now() } };
			},
			submitClaim,
		);
		const job = claimed?.after;
		if (!job || job.state.phase !== 'submitting') {
			this.positions.forget(jobId); // Another process submits it (or did): its reply is that process's to edit.
			return { kind: 'done' };
		}
		const callbackUrl = this.options.callbackUrlFor(jobId);
		try {
			const { taskId } = await api.generate(callbackUrl ? { ...job.request, callbackUrl } : job.request);
			log.info({ taskId, attempts }, 'Job submitted');
			this.options.metrics?.jobsSubmitted.inc({ task_type: job.request.taskType });
			const updated = await repository.update(jobId, (current) =>
				current.state.phase === 'submitting'
					? { ...current, state: { phase: 'submitted', taskId, submittedAt: this.now() } }
					: undefined,
			);
			if (this.positions.forget(jobId) && updated) {
				// The member last saw a queue position: tell them it is now being generated.
				this.track(this.options.publisher.showWorking(updated.after));
			}
			if ((await repository.earlyCallback(jobId)) === taskId) {
				// The callback beat the submit's answer: apply it now rather than waiting for a poll.
				this.confirmation.confirmNow(jobId);
			} else {
				this.confirmation.pollIn(jobId, pollDelay(this.options.poll, 0, callbackUrl !== undefined));
			}
			return { kind: 'done' };
		} catch (error) {
			if (!(error instanceof MjApiError)) throw error;
			this.options.metrics?.providerErrors.inc({ code: String(error.code ?? error.failure.kind) });
			const retryAfterMs = this.stopped ? undefined : submitRetryDelay(error, attempts, this.options.retryBaseMs);
			if (retryAfterMs !== undefined) {
				log.warn({ failure: error.failure, attempts, retryAfterMs }, 'Submit refused for now; retrying');
				await repository.update(jobId, (current) =>
					current.state.phase === 'submitting' ? { ...current, state: { phase: 'queued', attempts } } : undefined,
				);
				return { kind: 'retry', afterMs: retryAfterMs };
			}
			const explanation = explainProviderFailure(error);
			log.warn({ failure: error.failure, attempts, outcomeUnknown: explanation.outcomeUnknown }, 'Submit failed');
			await this.finish(jobId, null, {
				status: 'failed',
				reason: explanation.reason,
				...(error.code ? { code: error.code } : {}),
			});
			return { kind: 'done' };
		}
	}

	/** Handles a callback that passed the server's checks. Never throws for a job's state; answers what it did. */
	public async acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict> {
		const { repository } = this.options;
		const verdictFor = (current: JobRecord | undefined): CallbackVerdict | 'early' => {
			if (!current) return 'unknown-job';
			switch (current.state.phase) {
				case 'finished':
					return current.state.taskId === null || current.state.taskId === report.taskId
						? 'duplicate'
						: 'task-mismatch';
				case 'submitted':
					return current.state.taskId === report.taskId ? 'accepted' : 'task-mismatch';
				case 'queued':
				case 'submitting':
					return 'early';
			}
		};
		let job = await repository.get(jobId);
		let verdict = verdictFor(job);
		if (verdict === 'early') {
			// The callback beat the submit's answer. It is kept beside the job, never written into the job record, so it
			// cannot overwrite the answer another process may be storing this very moment; whichever of the two looks
			// last sees the other and confirms the result.
			await repository.setEarlyCallback(jobId, report.taskId);
			job = await repository.get(jobId);
			verdict = verdictFor(job);
			if (verdict === 'early') return 'accepted';
		}
		if (verdict === 'accepted') {
			const reported = report.outcome.status === 'succeeded' ? report.outcome.resultUrls : [];
			this.confirmation.confirmSoon(jobId, job ? { job, reported } : undefined);
		}
		return verdict;
	}

	/** Moves a job to `finished` exactly once, then delivers it (unless another path had already finished it). */
	private async finish(jobId: string, taskId: string | null, outcome: FinishedOutcome): Promise<void> {
		const finished = await this.recordFinished(jobId, taskId, outcome);
		if (finished) await this.delivery.deliver(finished);
	}

	/**
	 * Moves a job to `finished` exactly once (the transition is the claim). Returns the finished record, or undefined
	 * when another path (or process) had already finished it.
	 */
	private async recordFinished(
		jobId: string,
		taskId: string | null,
		outcome: FinishedOutcome,
	): Promise<FinishedJob | undefined> {
		// The in-process lock orders this process's writes; the claim makes one process, of all, the one that finishes.
		// It is taken while the job is read for the change, and the change made only if it was won.
		const claimed = this.options.claims.claim(`finish:${jobId}`, FINISH_CLAIM_TTL_MS);
		const changed = await this.options.repository.update(
			jobId,
			(current) =>
				isFinished(current)
					? undefined
					: {
							...current,
							state: {
								phase: 'finished',
								taskId,
								outcome,
								finishedAt: this.now(),
								delivery: { state: 'pending', attempts: 0 },
							},
						},
			claimed,
		);
		this.confirmation.forget(jobId);
		this.positions.forget(jobId);
		if (!changed || isFinished(changed.before) || !isFinished(changed.after)) return undefined;
		this.options.metrics?.jobsFinished.inc({ task_type: changed.after.request.taskType, outcome: outcome.status });
		return changed.after;
	}

	/** Picks up every job a previous process left unfinished. Returns how many. */
	public async resume(): Promise<number> {
		const ids = await this.options.repository.listOpen();
		for (const id of ids) {
			const job = await this.options.repository.get(id);
			if (!job) {
				await this.options.repository.forgetOpen(id);
				continue;
			}
			switch (job.state.phase) {
				case 'queued':
					// Never sent (or refused with a retryable error): submitting it now is its first paid submission.
					this.positions.inherit(id);
					this.queue.enqueue(id);
					break;
				case 'submitting':
					// The process died while the submit was in flight: the task may exist. Report, never resubmit blindly.
					this.track(
						this.finish(id, null, {
							status: 'failed',
							reason:
								'The bot restarted while submitting this job, so it is unknown whether it started. It was not resubmitted, to avoid paying twice; please run the command again if no result appears.',
						}),
					);
					break;
				case 'submitted':
					this.confirmation.pollIn(id, 0);
					break;
				case 'finished':
					if (job.state.delivery.state === 'pending') this.track(this.delivery.deliver(job as FinishedJob));
					break;
			}
		}
		return ids.length;
	}

	/** Stops submitting and polling, and waits for work already running (bounded by the caller). */
	public async stop(): Promise<void> {
		this.stopped = true;
		this.stopping.abort();
		this.confirmation.stop();
		this.delivery.stop();
		await this.queue.stop();
		await this.idle();
	}

	/** Resolves when no background work is running: for tests and graceful shutdown. */
	public async idle(): Promise<void> {
		while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
	}

	private track(work: Promise<unknown>): void {
		const tracked = work.catch((error: unknown) =>
			this.options.logger.error({ err: error }, 'Background job work failed'),
		);
		this.inFlight.add(tracked);
		void tracked.finally(() => this.inFlight.delete(tracked));
	}
}
