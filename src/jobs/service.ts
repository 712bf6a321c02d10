import { MjApiError } from '../api/errors.js';
import type { CallbackReport } from '../api/types.js';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { adoptionClosesAt, AdoptionWindows, isAdoptable } from './adoption.js';
import { JobConfirmation } from './confirmation.js';
import type { CallbackVerdict, JobServiceOptions, NewJob } from './contracts.js';
import { JobDelivery } from './delivery.js';
import { newJobId } from './ids.js';
import { persist } from './persist.js';
import { pollDelay } from './poller.js';
import { explainProviderFailure, submitRetryDelay, unknownOutcomeReason } from './providerErrors.js';
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
/** Adopting a task is one store write: if its claimant dies before it, another process may adopt after this long. */
const ADOPT_CLAIM_TTL_MS = 60_000;
/** A review of an unclear submit that failed on the store is tried again this much later. */
const REVIEW_RETRY_MS = 30_000;

/** A withdrawn job's submit claim outlives by far any job the store keeps. */
const WITHDRAWN_CLAIM_TTL_MS = 365 * 24 * 60 * 60_000;

/** The claim that makes one process, of all, submit attempt `attemptsBefore + 1` of a job. */
function submitClaimKey(jobId: string, attemptsBefore: number): string {
	return `submit:${jobId}:${attemptsBefore}`;
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
	/** Jobs whose submit had no clear answer, waiting for the provider's callback to name their task. */
	private readonly adoptionWindows: AdoptionWindows;

	public constructor(private readonly options: JobServiceOptions) {
		this.now = options.now ?? Date.now;
		const limits = providerLimits({ ...options, ...(options.shareLimits ? { sharedThrough: options.claims } : {}) });
		this.sharedSubmits = limits.shared?.submits;
		this.adoptionWindows = new AdoptionWindows((jobId) => this.track(this.reviewUnclearSubmit(jobId)), this.now);
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
		let taskId: string;
		try {
			({ taskId } = await api.generate(callbackUrl ? { ...job.request, callbackUrl } : job.request));
		} catch (error) {
			if (!(error instanceof MjApiError)) throw error;
			return this.submitFailed(job, error, log);
		}
		log.info({ taskId, attempts }, 'Job submitted');
		this.options.metrics?.jobsSubmitted.inc({ task_type: job.request.taskType });
		await this.recordSubmitted(jobId, taskId, callbackUrl !== undefined, log);
		return { kind: 'done' };
	}

	/**
	 * Stores the task id the provider just returned. The task is paid for: a store failure must not lose it, so the
	 * write is kept and retried until it succeeds (a callback arriving meanwhile is kept beside the job, as an early
	 * one). If the process stops first, the job stays `submitting` and the next start keeps it open for adoption.
	 */
	private async recordSubmitted(jobId: string, taskId: string, callbacks: boolean, log: Logger): Promise<void> {
		const { repository, publisher } = this.options;
		const updated = await persist(
			async () =>
				repository.update(jobId, (current) =>
					current.state.phase === 'submitting'
						? { ...current, state: { phase: 'submitted', taskId, submittedAt: this.now() } }
						: undefined,
				),
			{ logger: log.child({ taskId }), what: 'the task id of a submitted job', signal: this.stopping.signal },
		).catch(() => {
			log.error({ taskId }, 'Stopped before the task id could be stored; the next start waits for its callback');
			return undefined;
		});
		if (!updated) return;
		this.adoptionWindows.forget(jobId);
		if (this.positions.forget(jobId) || updated.before.state.phase !== 'submitting') {
			// The member last saw a queue position (or a note that the submit had no clear answer): now it is generating.
			if (updated.after.state.phase === 'submitted') this.track(publisher.showWorking(updated.after));
		}
		if ((await repository.earlyCallback(jobId)) === taskId) {
			// The callback beat the submit's answer: apply it now rather than waiting for a poll.
			this.confirmation.confirmNow(jobId);
		} else {
			this.confirmation.pollIn(jobId, pollDelay(this.options.poll, 0, callbacks));
		}
	}

	/** A submit that failed: sent again only if it created nothing; kept open for adoption if it may have. */
	private async submitFailed(job: JobRecord, error: MjApiError, log: Logger): Promise<SubmitResult> {
		const { repository } = this.options;
		const attempts = job.state.phase === 'submitting' ? job.state.attempts : 0;
		this.options.metrics?.providerErrors.inc({ code: String(error.code ?? error.failure.kind) });
		const retryAfterMs = submitRetryDelay(error, attempts, this.options.retryBaseMs);
		if (retryAfterMs !== undefined) {
			log.warn({ failure: error.failure, attempts, retryAfterMs }, 'Submit refused for now; retrying');
			// Nothing was created: back to the queue, for this process or (if it stops now) the next start.
			await persist(
				async () =>
					repository.update(job.id, (current) =>
						current.state.phase === 'submitting' ? { ...current, state: { phase: 'queued', attempts } } : undefined,
					),
				{ logger: log, what: 'a job back in the queue', signal: this.stopping.signal },
			);
			return this.stopped ? { kind: 'done' } : { kind: 'retry', afterMs: retryAfterMs };
		}
		if (error.outcome === 'unknown') {
			log.warn(
				{ failure: error.failure, attempts },
				'Submit has no clear answer; waiting for the provider to call back',
			);
			await this.awaitAdoption(job.id, log);
			return { kind: 'done' };
		}
		log.warn({ failure: error.failure, attempts }, 'Submit failed');
		await this.finish(job.id, null, {
			status: 'failed',
			reason: explainProviderFailure(error),
			...(error.code ? { code: error.code } : {}),
		});
		return { kind: 'done' };
	}

	/**
	 * The submit may have created a paid task: the job is marked so (a callback may now adopt it), the member is told
	 * it waits for Midjourney to confirm, and its window is watched. Without callbacks nothing can name the task, so
	 * the member gets the final word at once.
	 */
	private async awaitAdoption(jobId: string, log: Logger): Promise<void> {
		const { repository, publisher } = this.options;
		const { adoption } = this.options;
		if (!adoption.callbacks) {
			await this.finish(jobId, null, { status: 'failed', reason: unknownOutcomeReason(false) });
			return;
		}
		const marked = await persist(
			async () =>
				repository.update(jobId, (current) =>
					current.state.phase === 'submitting'
						? { ...current, state: { ...current.state, unknownSince: this.now() } }
						: undefined,
				),
			{ logger: log, what: 'a submit without a clear answer', signal: this.stopping.signal },
		).catch(() => undefined);
		const job = marked?.after;
		if (job?.state.phase !== 'submitting') return;
		// A callback may already have come in while the request was still waiting for its answer.
		const early = await repository.earlyCallback(jobId).catch(() => undefined);
		if (early !== undefined) {
			await this.adopt(jobId, early, undefined);
			return;
		}
		this.adoptionWindows.watch(jobId, adoptionClosesAt(job.state, adoption));
		this.positions.forget(jobId);
		this.track(publisher.showWorking(job));
	}

	/**
	 * A correctly signed callback names the task of a job whose submit had no clear answer: the job becomes
	 * `submitted` with it (once, across processes), and is confirmed through task details like any callback.
	 */
	private async adopt(jobId: string, taskId: string, reported: readonly string[] | undefined): Promise<void> {
		const { repository, claims } = this.options;
		const adopted = await repository.update(
			jobId,
			(current) =>
				current.state.phase === 'submitting' && isAdoptable(current.state, this.options.adoption, this.now())
					? { ...current, state: { phase: 'submitted', taskId, submittedAt: this.now() } }
					: undefined,
			claims.claim(`adopt:${jobId}`, ADOPT_CLAIM_TTL_MS),
		);
		if (adopted?.after.state.phase !== 'submitted' || adopted.before.state.phase !== 'submitting') return;
		this.adoptionWindows.forget(jobId);
		this.positions.forget(jobId);
		this.options.logger.warn({ jobId, taskId }, 'Adopted the task of a submit that had no clear answer');
		this.confirmation.confirmSoon(jobId, reported ? { job: adopted.after, reported } : undefined);
	}

	/**
	 * Looks again at a job whose submit has no clear outcome: once its request can no longer be answered, a callback
	 * kept beside it adopts its task; when its window has closed with none, the member gets the final word.
	 */
	private async reviewUnclearSubmit(jobId: string): Promise<void> {
		const { repository, adoption } = this.options;
		try {
			const job = await repository.get(jobId);
			if (job?.state.phase !== 'submitting') return;
			if (!isAdoptable(job.state, adoption, this.now())) {
				// Its request may still be answered (by another process, or it was sent moments before a restart).
				this.adoptionWindows.watch(jobId, job.state.since + adoption.requestDeadlineMs + 1);
				return;
			}
			const early = await repository.earlyCallback(jobId);
			if (early !== undefined) {
				await this.adopt(jobId, early, undefined);
				return;
			}
			const closesAt = adoptionClosesAt(job.state, adoption);
			if (closesAt > this.now()) {
				this.adoptionWindows.watch(jobId, closesAt);
				return;
			}
			this.options.logger.warn({ jobId }, 'No callback named the task of a submit without a clear answer');
			await this.finish(
				jobId,
				null,
				{ status: 'failed', reason: unknownOutcomeReason(adoption.callbacks) },
				(current) => current.state.phase === 'submitting',
			);
		} catch (error) {
			this.options.logger.warn({ err: error, jobId }, 'Could not review a submit without a clear answer; will retry');
			this.adoptionWindows.watch(jobId, this.now() + REVIEW_RETRY_MS);
		}
	}

	/** Handles a callback that passed the server's checks. Never throws for a job's state; answers what it did. */
	public async acceptCallback(jobId: string, report: CallbackReport): Promise<CallbackVerdict> {
		const { repository } = this.options;
		const verdictFor = (current: JobRecord | undefined): CallbackVerdict | 'early' | 'adopt' => {
			if (!current) return 'unknown-job';
			switch (current.state.phase) {
				case 'finished':
					return current.state.taskId === null || current.state.taskId === report.taskId
						? 'duplicate'
						: 'task-mismatch';
				case 'submitted':
					return current.state.taskId === report.taskId ? 'accepted' : 'task-mismatch';
				case 'submitting':
					return isAdoptable(current.state, this.options.adoption, this.now()) ? 'adopt' : 'early';
				case 'queued':
					return 'early';
			}
		};
		const reported = report.outcome.status === 'succeeded' ? report.outcome.resultUrls : [];
		let job = await repository.get(jobId);
		let verdict = verdictFor(job);
		if (verdict === 'early') {
			// The callback beat the submit's answer. It is kept beside the job, never written into the job record, so it
			// cannot overwrite the answer another process may be storing this very moment; whichever of the two looks
			// last sees the other and confirms the result.
			await repository.setEarlyCallback(jobId, report.taskId);
			job = await repository.get(jobId);
			verdict = verdictFor(job);
			if (verdict === 'early') {
				// If the process that sent it died, nobody will answer: look again once its request cannot be answered.
				if (job?.state.phase === 'submitting') {
					this.adoptionWindows.watch(jobId, job.state.since + this.options.adoption.requestDeadlineMs + 1);
				}
				return 'accepted';
			}
		}
		if (verdict === 'adopt') {
			await this.adopt(jobId, report.taskId, reported);
			return 'accepted';
		}
		if (verdict === 'accepted') this.confirmation.confirmSoon(jobId, job ? { job, reported } : undefined);
		return verdict;
	}

	/** Moves a job to `finished` exactly once, then delivers it (unless another path had already finished it). */
	private async finish(
		jobId: string,
		taskId: string | null,
		outcome: FinishedOutcome,
		onlyIf?: (job: JobRecord) => boolean,
	): Promise<void> {
		const finished = await this.recordFinished(jobId, taskId, outcome, onlyIf);
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
		/** A condition the job must still meet when it is read under the claim (e.g. that no callback adopted it). */
		onlyIf?: (job: JobRecord) => boolean,
	): Promise<FinishedJob | undefined> {
		// The in-process lock orders this process's writes; the claim makes one process, of all, the one that finishes.
		// It is taken while the job is read for the change, and the change made only if it was won.
		const claimed = this.options.claims.claim(`finish:${jobId}`, FINISH_CLAIM_TTL_MS);
		const changed = await this.options.repository.update(
			jobId,
			(current) =>
				isFinished(current) || (onlyIf && !onlyIf(current))
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
		this.adoptionWindows.forget(jobId);
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
				// Dangling after a crash between the two writes of `create`, or a job being created this very moment (a
				// member's command can arrive while the bot starts): only the former is dropped.
				await this.options.repository.forgetOpen(id, this.now());
				continue;
			}
			switch (job.state.phase) {
				case 'queued':
					// Never sent (or refused with a retryable error): submitting it now is its first paid submission.
					this.positions.inherit(id);
					this.queue.enqueue(id);
					break;
				case 'submitting':
					// Its request was in flight when a process stopped (or had no clear answer): a paid task may exist. Never
					// sent again; open for the provider's callback until its window closes.
					this.adoptionWindows.watch(id, this.now());
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
		this.adoptionWindows.stop();
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
