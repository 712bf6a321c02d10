/**
 * One submission of a job, as the queue calls it under the provider's rate limit: the job claimed (one process of
 * all sends it), sent, and its outcome stored; a refusal that created nothing goes back to the queue, an unclear one
 * waits for adoption (`callbacks.ts`).
 */
import { MjApiError } from '../api/errors.js';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import type { FinishJob, JobCallbacks } from './callbacks.js';
import type { JobConfirmation } from './confirmation.js';
import { UNNAMED_DEFAULT_KEY, type JobKey, type JobServiceOptions } from './contracts.js';
import { FailureDigest, storeWriteLines } from './failureDigest.js';
import { failedWith } from './failureReason.js';
import { persist } from './persist.js';
import { pollDelay } from './poller.js';
import { explainProviderFailure, submitRetryDelay } from './providerErrors.js';
import type { QueuePositions } from './queuePositions.js';
import type { SharedWindow } from './sharedWindow.js';
import type { SubmitResult } from './submitQueue.js';
import type { JobRecord } from './types.js';
import { workTypeOf } from './workType.js';

/** Held for a day: a submit claim only guards one attempt number of one job. */
const SUBMIT_CLAIM_TTL_MS = 24 * 60 * 60_000;
/**
 * When the store cannot answer before a submission leaves, the queue waits this long and tries the job again: one
 * claim or read per attempt, and a member waiting for no longer than needed once the store is back.
 */
const STORE_RETRY_MS = 2_000;
/** A withdrawn job's submit claim outlives by far any job the store keeps. */
const WITHDRAWN_CLAIM_TTL_MS = 365 * 24 * 60 * 60_000;

/** The key a job is sent with: a server's own, or the default (`apiKey` undefined: the client's). */
type SendKey = { keyId: string; apiKey?: string; own: boolean };

/** The claim that makes one process, of all, submit attempt `attemptsBefore + 1` of a job. */
function submitClaimKey(jobId: string, attemptsBefore: number): string {
	return `submit:${jobId}:${attemptsBefore}`;
}

export interface JobSubmissionOptions extends JobServiceOptions {
	now: () => number;
	stopping: AbortSignal;
	isStopped: () => boolean;
	/** A key's submit window shared with other processes, when there are any. */
	sharedSubmitsFor: (keyId: string) => SharedWindow | undefined;
	positions: QueuePositions;
	confirmation: JobConfirmation;
	adoptions: JobCallbacks;
	finish: FinishJob;
	track: (work: Promise<unknown>) => void;
}

export class JobSubmission {
	/** Withdrawals fail together when the store is away (a burst of them): their failures are logged as one digest. */
	private readonly withdrawals: FailureDigest;

	public constructor(private readonly options: JobSubmissionOptions) {
		const lines = storeWriteLines('the withdrawals of jobs that were not taken');
		this.withdrawals = new FailureDigest(options.logger, lines, { now: options.now });
	}

	/**
	 * A job whose recording the store did not confirm, and which the caller reports as not taken: a write that timed
	 * out may still land later, and the job must then never be submitted. The claim on its first submission is taken
	 * (kept until the store answers), so that no process submits it, ever; and the job, if it is there, is closed
	 * without a delivery. (Closing alone would not do: the write that timed out could land after it.)
	 */
	public async withdraw(jobId: string): Promise<void> {
		const { claims, repository, logger } = this.options;
		const report = { to: this.withdrawals, key: jobId };
		const options = { logger: logger.child({ jobId }), signal: this.options.stopping, report };
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
									outcome: failedWith('not-taken'),
									finishedAt: this.options.now(),
									delivery: {
										state: 'failed',
										at: this.options.now(),
										reason: 'The member was told it was not taken.',
									},
								},
							}
						: undefined,
				),
			{ ...options, what: 'the closing of a job that was not taken' },
		);
	}

	/** One submission attempt, called by the queue under the provider's rate limit. */
	public async submit(jobId: string, takeGrant: () => Promise<void>): Promise<SubmitResult> {
		const before = await this.readQueued(jobId);
		if (before === 'retry') return { kind: 'retry', afterMs: STORE_RETRY_MS };
		if (before?.state.phase !== 'queued') return { kind: 'done' };
		const log = this.options.logger.child({
			jobId,
			guildId: before.target.guildId,
			userId: before.target.requesterId,
			taskType: workTypeOf(before.request),
		});
		const key = await this.keyOf(before);
		if (key === 'retry') return { kind: 'retry', afterMs: STORE_RETRY_MS };
		const waited = await this.waitForTurn(jobId, takeGrant, log, key);
		if (waited) return waited;
		const job = await this.claimSubmission(
			jobId,
			before.state.attempts,
			typeof key === 'object' ? key.keyId : undefined,
		);
		if (!job) {
			this.options.positions.forget(jobId); // Another process submits it (or did): its reply is that process's to edit.
			return { kind: 'done' };
		}
		if (typeof key === 'string') {
			log.info({ reason: key }, 'Job not sent: its server has no usable key');
			await this.options.finish(job.id, null, failedWith(key === 'paused' ? 'key-paused' : 'key-missing'));
			return { kind: 'done' };
		}
		return this.send(job, log, key);
	}

	/** The key a job goes with, why it cannot go (`paused`, `missing`), or `retry` when the store cannot tell now. */
	private async keyOf(job: JobRecord): Promise<SendKey | 'paused' | 'missing' | 'retry'> {
		const { keys, defaultKeyId } = this.options;
		let own: JobKey | 'paused' | 'missing' | undefined;
		try {
			own = await keys?.forGuild(job.target.guildId);
		} catch (error) {
			if (this.options.isStopped()) throw error;
			this.options.logger.warn({ err: error, guildId: job.target.guildId }, 'Could not read the server’s key');
			return 'retry';
		}
		if (typeof own === 'object') return { keyId: own.keyId, apiKey: own.apiKey, own: true };
		return own ?? { keyId: defaultKeyId ?? UNNAMED_DEFAULT_KEY, own: false };
	}

	/** The job as stored, or `retry` when the store cannot answer now (and the service is not stopping). */
	private async readQueued(jobId: string): Promise<JobRecord | undefined | 'retry'> {
		try {
			return await this.options.repository.get(jobId);
		} catch (error) {
			if (error instanceof StoreUnavailableError && !this.options.isStopped()) return 'retry';
			throw error;
		}
	}

	/**
	 * Takes this process's grant, then the account's shared one. Returns what the queue should do when the job cannot
	 * go now, or undefined when it may be sent.
	 */
	private async waitForTurn(
		jobId: string,
		takeGrant: () => Promise<void>,
		log: Logger,
		key: SendKey | 'paused' | 'missing',
	): Promise<SubmitResult | undefined> {
		// The grants first, and only then the job marked `submitting`: while it waits for its turn (the account's window
		// shared with other processes may hold it for seconds), the store still says `queued` and nothing is claimed, so
		// a stop, or even a crash, meanwhile leaves a job the next start simply submits, rather than one it must report
		// as "unknown whether it started".
		// A job that will not be sent takes no turn from the key's window.
		if (typeof key === 'string') return undefined;
		const shared = this.options.sharedSubmitsFor(key.keyId);
		try {
			await takeGrant();
			if (shared && !(await shared.tryTake())) {
				log.debug('Waiting for a turn in the submit window shared with the other processes');
				// The member is shown it waits, as for a place in this process's queue: next here, its turn depends on the
				// other processes. Once submitted, the reply says it is being generated (see `positions.forget` below).
				this.options.positions.showIfWaiting(jobId, { position: 1 });
				await shared.acquire(this.options.stopping);
			}
			return undefined;
		} catch (error) {
			// The store could not give the account's shared grant: nothing was sent, the job waits for the store to answer.
			if (error instanceof StoreUnavailableError && !this.options.isStopped()) {
				log.warn({ err: error, retryInMs: STORE_RETRY_MS }, 'Store unavailable before submitting; will try again');
				return { kind: 'retry', afterMs: STORE_RETRY_MS };
			}
			return { kind: 'done' }; // Stopping before the request left: the job stays queued for the next start.
		}
	}

	/** Marks the job `submitting` if this process won its submit claim; undefined when another one has it. */
	private async claimSubmission(
		jobId: string,
		attemptsBefore: number,
		keyId: string | undefined,
	): Promise<JobRecord | undefined> {
		// Another process sharing the store may have queued the same job after a restart: one of them submits. The claim
		// is taken while the job is read for the change, which is made only if it was won and nobody has tried meanwhile.
		const submitClaim = this.options.claims.claim(submitClaimKey(jobId, attemptsBefore), SUBMIT_CLAIM_TTL_MS);
		const claimed = await this.options.repository.update(
			jobId,
			(current) => {
				if (current.state.phase !== 'queued' || current.state.attempts !== attemptsBefore) return undefined;
				const attempts = current.state.attempts + 1;
				// The key is named before the request leaves: a task adopted from an unclear submit is asked about with it.
				const named = keyId === undefined ? {} : { keyId };
				return { ...current, state: { phase: 'submitting', attempts, since: this.options.now(), ...named } };
			},
			submitClaim,
		);
		const job = claimed?.after;
		return job?.state.phase === 'submitting' ? job : undefined;
	}

	/** Sends the claimed job to the provider and stores what came of it. */
	private async send(job: JobRecord, log: Logger, key: SendKey): Promise<SubmitResult> {
		const callbackUrl = this.options.callbackUrlFor(job.id);
		let taskId: string;
		try {
			const request = callbackUrl ? { ...job.request, callbackUrl } : job.request;
			({ taskId } = await this.options.api.submit(request, key.apiKey));
		} catch (error) {
			if (!(error instanceof MjApiError)) throw error;
			if (error.code === 401 && key.own) await this.keyRefused(job, key, log);
			return this.submitFailed(job, error, log);
		}
		const attempts = job.state.phase === 'submitting' ? job.state.attempts : 0;
		log.info({ taskId, attempts }, 'Job submitted');
		this.options.metrics?.jobsSubmitted.inc({ task_type: workTypeOf(job.request) });
		await this.recordSubmitted(job.id, { taskId, keyId: key.keyId }, callbackUrl !== undefined, log);
		return { kind: 'done' };
	}

	/**
	 * Stores the task id the provider just returned. The task is paid for: a store failure must not lose it, so the
	 * write is kept and retried until it succeeds (a callback arriving meanwhile is kept beside the job, as an early
	 * one). If the process stops first, the job stays `submitting` and the next start keeps it open for adoption.
	 */
	private async recordSubmitted(
		jobId: string,
		{ taskId, keyId }: { taskId: string; keyId: string },
		callbacks: boolean,
		log: Logger,
	): Promise<void> {
		const { repository, publisher } = this.options;
		const updated = await persist(
			async () =>
				repository.update(jobId, (current) =>
					current.state.phase === 'submitting'
						? { ...current, state: { phase: 'submitted', taskId, submittedAt: this.options.now(), keyId } }
						: undefined,
				),
			{ logger: log.child({ taskId }), what: 'the task id of a submitted job', signal: this.options.stopping },
		).catch(() => {
			log.error({ taskId }, 'Stopped before the task id could be stored; the next start waits for its callback');
			return undefined;
		});
		if (!updated) return;
		this.options.adoptions.forget(jobId);
		if (this.options.positions.forget(jobId) || updated.before.state.phase !== 'submitting') {
			// The member last saw a queue position (or a note that the submit had no clear answer): now it is generating.
			if (updated.after.state.phase === 'submitted') this.options.track(publisher.showWorking(updated.after));
		}
		if ((await repository.earlyCallback(jobId)) === taskId) {
			// The callback beat the submit's answer: apply it now rather than waiting for a poll.
			this.options.confirmation.confirmNow(jobId);
		} else {
			this.options.confirmation.pollIn(jobId, pollDelay(this.options.poll, 0, callbacks));
		}
	}

	/** The provider refused a server's own key: its admins are told (once) and its jobs pause. Never throws. */
	private async keyRefused(job: JobRecord, key: SendKey, log: Logger): Promise<void> {
		log.warn({ keyId: key.keyId }, 'The provider refused the server’s own key; pausing its jobs');
		await this.options.keys
			?.refused(job.target.guildId, key.keyId)
			.catch((error: unknown) => log.error({ err: error }, 'Could not pause the server’s jobs'));
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
				{ logger: log, what: 'a job back in the queue', signal: this.options.stopping },
			);
			return this.options.isStopped() ? { kind: 'done' } : { kind: 'retry', afterMs: retryAfterMs };
		}
		if (error.outcome === 'unknown') {
			log.warn(
				{ failure: error.failure, attempts },
				'Submit has no clear answer; waiting for the provider to call back',
			);
			await this.options.adoptions.awaitAdoption(job.id, log);
			return { kind: 'done' };
		}
		log.warn({ failure: error.failure, attempts }, 'Submit failed');
		await this.options.finish(job.id, null, {
			status: 'failed',
			reason: explainProviderFailure(error, job.target.language),
			...(error.code ? { code: error.code } : {}),
		});
		return { kind: 'done' };
	}
}
