/**
 * Waits on what the bot stored, read through its own repositories: the effects no fake sees (a delivery recorded on
 * its job, a picked image recorded for its grid). Each takes the store as a function, so that it reads the running
 * process's store after a restart.
 */
import { ActionRecords, type PickRecord } from '../../src/actions/records.js';
import { JobRepository } from '../../src/jobs/repository.js';
import type { Delivery } from '../../src/jobs/types.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from './harness.js';

export type DeliveredState = Extract<Delivery, { state: 'delivered' }>;

/** Resolves once the job's result is recorded as delivered (its message id known, and the message indexed as a result). */
export async function waitForDelivery(store: () => Store, jobId: string, timeoutMs?: number): Promise<DeliveredState> {
	return eventually(
		async () => {
			const job = await new JobRepository(store()).get(jobId);
			const delivery = job?.state.phase === 'finished' ? job.state.delivery : undefined;
			return delivery?.state === 'delivered' ? delivery : undefined;
		},
		`the delivery of job ${jobId} to be recorded`,
		timeoutMs,
	);
}

/** Resolves once image `index` (0-based) of the job's grid is recorded as picked, with where it was posted. */
export async function waitForPick(store: () => Store, jobId: string, index: number): Promise<PickRecord> {
	return eventually(
		async () => new ActionRecords(store()).pick(jobId, index),
		`image #${index + 1} of job ${jobId} to be recorded as picked`,
	);
}
