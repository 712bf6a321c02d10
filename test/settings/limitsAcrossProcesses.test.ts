/**
 * Limits and the usage index with two processes on one store (each its own connections, as two bot processes have):
 * what one process decides and records, the other sees, and neither slips under a limit or loses the other's entry.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobRepository } from '../../src/jobs/repository.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { createLogger } from '../../src/logger.js';
import { ChunkedList } from '../../src/settings/chunkedList.js';
import { SettingsService, type JobAuthorization, type JobAuthorizationInput } from '../../src/settings/service.js';
import { utcDayKey } from '../../src/settings/time.js';
import type { GuildJobEntry, JobEntry } from '../../src/settings/usage.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, type Store } from '../../src/store/store.js';
import { freshStores, STORE_KINDS, type StoreKind } from '../support/stores.js';

/** A server's jobs of one day as the store holds them (see usage.ts). */
function dayList(store: Store): ChunkedList<GuildJobEntry> {
	return new ChunkedList(store.collection('guild-day-jobs'), store.collection('guild-day-heads'), 60_000);
}

const KINDS = STORE_KINDS;
const GUILD = '300000000000000001';
const CHANNEL = '300000000000000002';
const MEMBERS = ['300000000000000010', '300000000000000011', '300000000000000012', '300000000000000013'];

const stores = freshStores('limits');
const storeUrl = (kind: StoreKind): string => stores.url(kind);

function input(userId: string): JobAuthorizationInput {
	return {
		guildId: GUILD,
		channelId: CHANNEL,
		userId,
		roleIds: [],
		kind: 'imagine',
		request: buildGenerateRequest({ kind: 'imagine', prompt: 'a lighthouse', options: {} }),
	};
}

function granted(results: JobAuthorization[]): Array<Extract<JobAuthorization, { ok: true }>> {
	return results.flatMap((result) => (result.ok ? [result] : []));
}

describe.each(KINDS)('two processes on one %s store', (kind) => {
	let stores: Store[];
	let claims: Claims[];
	let processes: SettingsService[];

	beforeEach(() => {
		const url = storeUrl(kind);
		stores = [createStore(url), createStore(url)];
		claims = [createClaims(url), createClaims(url)];
		// Generous waits: here the lock is fought over by 40 requests at once, far more than a server sees.
		processes = stores.map(
			(store, index) =>
				new SettingsService(store, new JobRepository(store), claims[index]!, createLogger('silent'), {
					lockTiming: { waitMs: 15_000 },
				}),
		);
	});
	afterEach(async () => {
		await Promise.all([...stores, ...claims].map(async (closable) => closable.close()));
	});

	/** Twenty requests from each process, all at once, spread over `members`. */
	async function requestsAtOnce(members: readonly string[]): Promise<JobAuthorization[]> {
		return Promise.all(
			Array.from({ length: 20 }, (_, index) =>
				processes.map(async (settings) => settings.authorizeJob(input(members[index % members.length]!))),
			).flat(),
		);
	}

	it('grants one job under a running limit of 1, whichever process each request reaches', async () => {
		await processes[0]!.settings.updateServer(GUILD, (current) => ({ ...current, limits: { memberRunning: 1 } }));
		const results = await requestsAtOnce([MEMBERS[0]!]);
		expect(granted(results)).toHaveLength(1);
		expect(results.filter((result) => !result.ok && result.refusal.rule === 'member-running')).toHaveLength(39);
		// Either process sees the one reservation.
		for (const settings of processes) {
			expect((await settings.usage.memberUsage(GUILD, MEMBERS[0]!)).running).toHaveLength(1);
		}
	});

	it('grants exactly the server’s daily cap', async () => {
		await processes[1]!.settings.updateServer(GUILD, (current) => ({ ...current, limits: { serverDaily: 7 } }));
		const results = await requestsAtOnce(MEMBERS);
		expect(granted(results)).toHaveLength(7);
		expect(results.filter((result) => !result.ok && result.refusal.rule === 'server-daily')).toHaveLength(33);
	});

	it('records the jobs of a server without limits without making anyone wait, and counts them once limits are set', async () => {
		const results = await requestsAtOnce(MEMBERS);
		expect(granted(results)).toHaveLength(40);
		// Recorded just after answering, under the lock, in batches: every one arrives, none lost.
		await Promise.all(processes.map(async (settings) => settings.recorded()));
		expect(await processes[1]!.guildUsage(GUILD)).toEqual({ today: 40, failedToday: 0, running: 40, members: 4 });
		await processes[1]!.settings.updateServer(GUILD, (current) => ({ ...current, limits: { serverDaily: 41 } }));
		expect((await processes[1]!.authorizeJob(input(MEMBERS[0]!))).ok).toBe(true);
		expect(await processes[1]!.authorizeJob(input(MEMBERS[1]!))).toMatchObject({
			ok: false,
			refusal: { rule: 'server-daily' },
		});
	});

	it('loses no usage entry when both record at once', async () => {
		// A cap well above the requests: every grant is counted under the lock before it is answered.
		await processes[0]!.settings.updateServer(GUILD, (current) => ({ ...current, limits: { serverDaily: 1000 } }));
		const results = await requestsAtOnce(MEMBERS);
		const ids = granted(results).map((grant) => grant.jobId);
		expect(ids).toHaveLength(40);
		const day = await dayList(stores[0]!).entries(`${GUILD}:${utcDayKey(Date.now())}`);
		expect(day.map((entry) => entry.id).sort()).toEqual([...ids].sort());
		const members = stores[1]!.collection<JobEntry[]>('member-jobs');
		const perMember = await Promise.all(MEMBERS.map(async (member) => members.get(`${GUILD}:${member}`)));
		expect(perMember.map((entries) => entries?.length)).toEqual([10, 10, 10, 10]);
		expect(await processes[1]!.guildUsage(GUILD)).toEqual({ today: 40, failedToday: 0, running: 40, members: 4 });

		// Giving places back at once, from both processes, loses nothing either.
		await Promise.all(
			granted(results)
				.slice(0, 30)
				.map(async (grant) => grant.release()),
		);
		expect(await processes[0]!.guildUsage(GUILD)).toEqual({ today: 10, failedToday: 0, running: 10, members: 4 });
		const left = await dayList(stores[1]!).entries(`${GUILD}:${utcDayKey(Date.now())}`);
		expect(left.map((entry) => entry.id).sort()).toEqual(ids.slice(30).sort());
	});
});
