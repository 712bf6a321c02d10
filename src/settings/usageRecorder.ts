/**
 * Records the grants of servers without limits just after they are answered, batched: every grant of a server made
 * in one turn of the event loop is written together once that turn is over, under the server's shared lock. The
 * members' acknowledgements go out first, and a burst of commands costs one lock and one write per index entry
 * instead of one each (a burst of 50 in one server otherwise queued every acknowledgement behind the lock).
 */
import type { Logger } from '../logger.js';
import type { SharedLock } from './sharedLock.js';
import type { JobEntry, JobUsage } from './usage.js';

interface Batch {
	guildId: string;
	jobs: Array<{ userId: string; entry: JobEntry }>;
	/** Resolves once written (or once writing failed, which is logged). */
	written: Promise<void>;
}

export class BatchedUsageRecorder {
	/** The batch of each server still taking grants (until the turn ends). */
	private readonly open = new Map<string, Batch>();
	/** Every batch not yet written, open or being written. */
	private readonly unwritten = new Set<Batch>();

	public constructor(
		private readonly usage: JobUsage,
		private readonly lock: SharedLock,
		private readonly logger: Logger,
	) {}

	/** Adds a grant to its server's batch. Resolves when the batch is written. */
	public async record(guildId: string, userId: string, entry: JobEntry): Promise<void> {
		const batch = this.open.get(guildId) ?? this.openBatch(guildId);
		batch.jobs.push({ userId, entry });
		return batch.written;
	}

	/** Resolves once every grant so far (of one server, or of all) is written. */
	public async settled(guildId?: string): Promise<void> {
		const batches = [...this.unwritten].filter((batch) => guildId === undefined || batch.guildId === guildId);
		await Promise.all(batches.map(async (batch) => batch.written));
	}

	private openBatch(guildId: string): Batch {
		const jobs: Batch['jobs'] = [];
		const written = new Promise<void>((resolve) => setImmediate(resolve))
			.then(async () => {
				this.open.delete(guildId);
				// Nobody waits for an answer here: long enough for a dead holder's claim to expire.
				const deadline = Date.now() + 2 * this.lock.timing.ttlMs;
				await this.lock.run(guildId, async () => this.usage.recordMany(guildId, jobs), deadline);
			})
			.catch((error: unknown) => {
				const jobIds = jobs.map((job) => job.entry.id);
				this.logger.warn({ err: error, guildId, jobIds }, 'Could not record jobs for /jobs and limits');
			});
		const batch: Batch = { guildId, jobs, written };
		this.open.set(guildId, batch);
		this.unwritten.add(batch);
		void written.finally(() => this.unwritten.delete(batch));
		return batch;
	}
}
