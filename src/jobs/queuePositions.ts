/**
 * What each waiting member was last shown of their place in the submission queue, and the rate-limited edits that
 * keep it current as the queue moves.
 */
import type { JobPublisher } from './contracts.js';
import type { JobRepository } from './repository.js';

/** A member's queue position is edited at most this often. */
const POSITION_EDIT_INTERVAL_MS = 2_000;

export interface QueuePositionsOptions {
	repository: JobRepository;
	publisher: JobPublisher;
	now: () => number;
	/** Runs background work so shutdown can wait for it. */
	track: (work: Promise<unknown>) => void;
}

export class QueuePositions {
	private readonly shown = new Map<string, { position: number; at: number }>();
	/** Jobs queued by a process that has since stopped: their reply may say anything from "queued" to "working". */
	private readonly inherited = new Set<string>();

	public constructor(private readonly options: QueuePositionsOptions) {}

	/** The member's reply already shows `position` (it was rendered with it). */
	public noteShown(jobId: string, position: number): void {
		this.shown.set(jobId, { position, at: this.options.now() });
	}

	/** After enqueueing: a job that turned out to wait shows its place now, so it is updated as the queue moves. */
	public showIfWaiting(jobId: string, position: number): void {
		if (position <= 0 || this.shown.has(jobId)) return;
		this.noteShown(jobId, position);
		this.options.track(this.show(jobId, position));
	}

	/** The queue moved: edit the replies whose position changed, at most every {@link POSITION_EDIT_INTERVAL_MS}. */
	public moved(positions: ReadonlyMap<string, number>): void {
		for (const [jobId, position] of positions) {
			const shown = this.shown.get(jobId);
			if (!shown || shown.position === position || this.options.now() - shown.at < POSITION_EDIT_INTERVAL_MS) continue;
			this.noteShown(jobId, position);
			this.options.track(this.show(jobId, position));
		}
	}

	/**
	 * A job queued before a restart: whatever its reply says, it is told "working" once submitted. Its place is not
	 * shown as the queue moves (a restart may inherit thousands of jobs, and each edit costs a Discord request).
	 */
	public inherit(jobId: string): void {
		this.inherited.add(jobId);
	}

	/** The job left the queue. Returns whether its member may have seen it waiting (and so needs a "working" edit). */
	public forget(jobId: string): boolean {
		const shown = this.shown.delete(jobId);
		return this.inherited.delete(jobId) || shown;
	}

	private async show(jobId: string, position: number): Promise<void> {
		const job = await this.options.repository.get(jobId);
		if (job?.state.phase === 'queued') await this.options.publisher.showWorking(job, position);
	}
}
