import { describe, expect, it } from 'vitest';
import type { JobPublisher } from '../../src/jobs/contracts.js';
import { POSITION_EDITS_PER_SECOND, QueuePositions, type QueuePlace } from '../../src/jobs/queuePositions.js';
import type { JobRepository } from '../../src/jobs/repository.js';
import type { JobRecord } from '../../src/jobs/types.js';

const NOW = 1_800_000_000_000;

/** Queue positions over a fake line: `places` is what the line says now; edits are recorded, not sent. */
function positionsOver(places: Map<string, QueuePlace>) {
	const edits: Array<{ jobId: string; position: number | undefined; startsAt: number | undefined }> = [];
	const work: Array<Promise<unknown>> = [];
	const repository = {
		get: async (id: string) => ({ id, state: { phase: 'queued', attempts: 0 } }) as unknown as JobRecord,
	} as unknown as JobRepository;
	const publisher: JobPublisher = {
		showWorking: async (job, position, startsAt) => {
			edits.push({ jobId: job.id, position, startsAt });
			return 'message';
		},
		publish: async () => {
			throw new Error('not in this test');
		},
	};
	const positions = new QueuePositions({
		repository,
		publisher,
		now: () => NOW,
		track: (promise) => work.push(promise),
		places: (ids) => new Map([...ids].flatMap((id) => (places.has(id) ? [[id, places.get(id)!] as const] : []))),
	});
	return { positions, edits, settled: async () => Promise.all(work) };
}

describe('QueuePositions', () => {
	it('edits no reply whose estimate holds, however the positions move', async () => {
		const places = new Map<string, QueuePlace>();
		const { positions, edits, settled } = positionsOver(places);
		for (let index = 1; index <= 100; index++) {
			const place = { position: index, startsAt: NOW + index * 500 };
			positions.noteShown(`job-${index}`, place);
			// The queue moved on by one: the position changed, the estimated start did not.
			places.set(`job-${index}`, { position: index - 1 || 1, startsAt: place.startsAt + 1_000 });
		}
		positions.tick();
		positions.stop();
		await settled();
		expect(edits).toEqual([]);
	});

	it('edits drifted replies nearest the front first, at most the cap per tick', async () => {
		const places = new Map<string, QueuePlace>();
		const { positions, edits, settled } = positionsOver(places);
		for (let index = 1; index <= 50; index++) {
			positions.noteShown(`job-${index}`, { position: index, startsAt: NOW });
			// Fairness moved every one of them a minute back.
			places.set(`job-${index}`, { position: index, startsAt: NOW + 60_000 });
		}
		positions.tick();
		await settled();
		expect(edits.map((edit) => edit.position)).toEqual(
			Array.from({ length: POSITION_EDITS_PER_SECOND }, (_, index) => index + 1),
		);
		expect(edits[0]!.startsAt).toBe(NOW + 60_000);
		// The next tick takes the next ones; those edited are not edited again.
		positions.tick();
		positions.stop();
		await settled();
		expect(edits.map((edit) => edit.position)).toEqual(
			Array.from({ length: 2 * POSITION_EDITS_PER_SECOND }, (_, index) => index + 1),
		);
	});

	it('says a job left the queue only when its member saw it waiting', () => {
		const { positions } = positionsOver(new Map());
		positions.noteShown('shown', { position: 3, startsAt: NOW });
		positions.inherit('inherited');
		expect(positions.forget('shown')).toBe(true);
		expect(positions.forget('inherited')).toBe(true);
		expect(positions.forget('never-shown')).toBe(false);
		positions.stop();
	});
});
