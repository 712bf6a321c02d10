/**
 * What each waiting member was last shown of their place in the submission queue, and the edits that keep it
 * current. A reply shows the position and an estimated start (a live `<t:…:R>` stamp, which Discord keeps counting
 * down), so it needs an edit only when the estimate drifts: fairness reorders the line, or the key's rate falls short.
 * Edits are capped process-wide, nearest the front first, so a burst of thousands of jobs costs a few Discord
 * requests a second, not thousands.
 */
import type { JobPublisher } from './contracts.js';
import { estimateDrifted } from './queueEstimate.js';
import type { JobRepository } from './repository.js';

/** Position edits per second, for the whole process. */
export const POSITION_EDITS_PER_SECOND = 4;
/** An estimate is edited when it is off by more than this… */
const DRIFT_MARGIN_MS = 20_000;
/** …or by more than this share of the wait still ahead, whichever is more (a far estimate may be rough). */
const DRIFT_SHARE = 0.25;
const TICK_MS = 1_000;

/**
 * A job's place, as shown: its 1-based position among its key's waiting jobs, and its estimated start (epoch ms;
 * none when its turn depends on other processes sharing the key's window).
 */
export interface QueuePlace {
	position: number;
	startsAt?: number;
}

export interface QueuePositionsOptions {
	repository: JobRepository;
	publisher: JobPublisher;
	now: () => number;
	/** Runs background work so shutdown can wait for it. */
	track: (work: Promise<unknown>) => void;
	/** The current places of the given jobs (those no longer waiting are left out). */
	places: (jobIds: Iterable<string>) => Map<string, QueuePlace>;
}

export class QueuePositions {
	private readonly shown = new Map<string, QueuePlace>();
	/** Jobs queued by a process that has since stopped: their reply may say anything from "queued" to "working". */
	private readonly inherited = new Set<string>();
	private timer: NodeJS.Timeout | undefined;
	/** Position edits made so far (the first reply of a job is not one): for metrics and the bench. */
	public edits = 0;

	public constructor(private readonly options: QueuePositionsOptions) {}

	/** The member's reply already shows `place` (it was rendered with it). */
	public noteShown(jobId: string, place: QueuePlace): void {
		this.shown.set(jobId, place);
		this.timer ??= setInterval(() => this.tick(), TICK_MS).unref();
	}

	/** A job that turned out to wait shows its place now, so it is kept current as the queue moves. */
	public showIfWaiting(jobId: string, place: QueuePlace | undefined): void {
		if (!place || this.shown.has(jobId)) return;
		if (place.startsAt === undefined) {
			// Its turn depends on the other processes (one such job per process at a time): shown at once.
			this.noteShown(jobId, place);
			this.options.track(this.show(jobId, place));
			return;
		}
		// Left to the capped editor, nearest the front first: in a burst thousands of jobs turn out to wait at once.
		this.noteShown(jobId, { position: place.position });
	}

	/**
	 * A job queued before a restart: whatever its reply says, it is told "working" once submitted. Its place is not
	 * kept current (a restart may inherit thousands of jobs, and each edit costs a Discord request).
	 */
	public inherit(jobId: string): void {
		this.inherited.add(jobId);
	}

	/** The job left the queue. Returns whether its member may have seen it waiting (and so needs a "working" edit). */
	public forget(jobId: string): boolean {
		const shown = this.shown.delete(jobId);
		return this.inherited.delete(jobId) || shown;
	}

	public stop(): void {
		clearInterval(this.timer);
		this.timer = undefined;
	}

	/** Edits the replies whose estimate drifted, nearest the front first, up to the cap. */
	public tick(): void {
		if (this.shown.size === 0) return this.stop();
		const now = this.options.now();
		const drifted: Array<[string, QueuePlace]> = [];
		for (const [jobId, fresh] of this.options.places(this.shown.keys())) {
			const shown = this.shown.get(jobId)!.startsAt;
			if (fresh.startsAt === undefined) continue;
			const margin = Math.max(DRIFT_MARGIN_MS, DRIFT_SHARE * (fresh.startsAt - now));
			if (shown === undefined || estimateDrifted(shown, fresh.startsAt, margin)) drifted.push([jobId, fresh]);
		}
		drifted.sort(([, a], [, b]) => a.position - b.position);
		for (const [jobId, place] of drifted.slice(0, POSITION_EDITS_PER_SECOND)) {
			this.shown.set(jobId, place);
			this.options.track(this.show(jobId, place, { counted: true }));
		}
	}

	private async show(jobId: string, place: QueuePlace, { counted = false } = {}): Promise<void> {
		const job = await this.options.repository.get(jobId);
		if (job?.state.phase !== 'queued') return;
		// Counted once it is sent: a job submitted meanwhile is told "working" instead, by its submission.
		if (counted) this.edits += 1;
		await this.options.publisher.showWorking(job, place.position, place.startsAt);
	}
}
