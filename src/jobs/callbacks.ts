/**
 * What the provider's callbacks do to a job, and what becomes of a job whose submit had no clear answer: a callback
 * confirms the task it names, waits beside a job still being submitted, or adopts the task of an unclear submit
 * (the windows and rules are in `adoption.ts`).
 */
import type { CallbackReport } from '../api/types.js';
import type { Logger } from '../logger.js';
import { adoptionClosesAt, AdoptionWindows, isAdoptable } from './adoption.js';
import type { JobConfirmation } from './confirmation.js';
import type { CallbackVerdict, JobServiceOptions } from './contracts.js';
import { persist } from './persist.js';
import { unknownOutcome } from './providerErrors.js';
import type { QueuePositions } from './queuePositions.js';
import type { FinishedOutcome, JobRecord } from './types.js';

/** Adopting a task is one store write: if its claimant dies before it, another process may adopt after this long. */
const ADOPT_CLAIM_TTL_MS = 60_000;
/** A review of an unclear submit that failed on the store is tried again this much later. */
const REVIEW_RETRY_MS = 30_000;

/** Moves a job to `finished` exactly once and delivers it (the service's own transition). */
export type FinishJob = (
	jobId: string,
	taskId: string | null,
	outcome: FinishedOutcome,
	onlyIf?: (job: JobRecord) => boolean,
) => Promise<void>;

export interface JobCallbacksOptions extends Pick<
	JobServiceOptions,
	'repository' | 'claims' | 'publisher' | 'logger' | 'adoption'
> {
	now: () => number;
	stopping: AbortSignal;
	positions: QueuePositions;
	confirmation: JobConfirmation;
	finish: FinishJob;
	track: (work: Promise<unknown>) => void;
}

export class JobCallbacks {
	/** Jobs whose submit had no clear answer, waiting for the provider's callback to name their task. */
	private readonly windows: AdoptionWindows;

	public constructor(private readonly options: JobCallbacksOptions) {
		this.windows = new AdoptionWindows((jobId) => options.track(this.reviewUnclearSubmit(jobId)), options.now);
	}

	/** Looks at the job's submit again at `at` (epoch ms): e.g. at start, for a job caught mid-submit. */
	public watch(jobId: string, at: number): void {
		this.windows.watch(jobId, at);
	}

	public forget(jobId: string): void {
		this.windows.forget(jobId);
	}

	public stop(): void {
		this.windows.stop();
	}

	/**
	 * The submit may have created a paid task: the job is marked so (a callback may now adopt it), the member is told
	 * it waits for Midjourney to confirm, and its window is watched. Without callbacks nothing can name the task, so
	 * the member gets the final word at once.
	 */
	public async awaitAdoption(jobId: string, log: Logger): Promise<void> {
		const { repository, publisher } = this.options;
		const { adoption } = this.options;
		if (!adoption.callbacks) {
			await this.options.finish(jobId, null, unknownOutcome(false));
			return;
		}
		const marked = await persist(
			async () =>
				repository.update(jobId, (current) =>
					current.state.phase === 'submitting'
						? { ...current, state: { ...current.state, unknownSince: this.options.now() } }
						: undefined,
				),
			{ logger: log, what: 'a submit without a clear answer', signal: this.options.stopping },
		).catch(() => undefined);
		const job = marked?.after;
		if (job?.state.phase !== 'submitting') return;
		// A callback may already have come in while the request was still waiting for its answer.
		const early = await repository.earlyCallback(jobId).catch(() => undefined);
		if (early !== undefined) {
			await this.adopt(jobId, early, undefined);
			return;
		}
		this.windows.watch(jobId, adoptionClosesAt(job.state, adoption));
		this.options.positions.forget(jobId);
		this.options.track(publisher.showWorking(job));
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
				current.state.phase === 'submitting' && isAdoptable(current.state, this.options.adoption, this.options.now())
					? { ...current, state: submittedWith(current.state.keyId, taskId, this.options.now()) }
					: undefined,
			claims.claim(`adopt:${jobId}`, ADOPT_CLAIM_TTL_MS),
		);
		if (adopted?.after.state.phase !== 'submitted' || adopted.before.state.phase !== 'submitting') return;
		this.windows.forget(jobId);
		this.options.positions.forget(jobId);
		this.options.logger.warn({ jobId, taskId }, 'Adopted the task of a submit that had no clear answer');
		this.options.confirmation.confirmSoon(jobId, reported ? { job: adopted.after, reported } : undefined);
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
			if (!isAdoptable(job.state, adoption, this.options.now())) {
				// Its request may still be answered (by another process, or it was sent moments before a restart).
				this.windows.watch(jobId, job.state.since + adoption.requestDeadlineMs + 1);
				return;
			}
			const early = await repository.earlyCallback(jobId);
			if (early !== undefined) {
				await this.adopt(jobId, early, undefined);
				return;
			}
			const closesAt = adoptionClosesAt(job.state, adoption);
			if (closesAt > this.options.now()) {
				this.windows.watch(jobId, closesAt);
				return;
			}
			this.options.logger.warn({ jobId }, 'No callback named the task of a submit without a clear answer');
			await this.options.finish(
				jobId,
				null,
				unknownOutcome(adoption.callbacks),
				(current) => current.state.phase === 'submitting',
			);
		} catch (error) {
			this.options.logger.warn({ err: error, jobId }, 'Could not review a submit without a clear answer; will retry');
			this.windows.watch(jobId, this.options.now() + REVIEW_RETRY_MS);
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
					return isAdoptable(current.state, this.options.adoption, this.options.now()) ? 'adopt' : 'early';
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
					this.windows.watch(jobId, job.state.since + this.options.adoption.requestDeadlineMs + 1);
				}
				return 'accepted';
			}
		}
		if (verdict === 'adopt') {
			await this.adopt(jobId, report.taskId, reported);
			return 'accepted';
		}
		if (verdict === 'accepted') this.options.confirmation.confirmSoon(jobId, job ? { job, reported } : undefined);
		return verdict;
	}
}

/** The adopted task's state, naming the key its submit went with (its status is asked with that key). */
function submittedWith(keyId: string | undefined, taskId: string, now: number): JobRecord['state'] {
	return { phase: 'submitted', taskId, submittedAt: now, ...(keyId === undefined ? {} : { keyId }) };
}
