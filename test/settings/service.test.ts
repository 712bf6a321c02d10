import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeRefusal } from '../../src/discord/refusals.js';
import { JobRepository } from '../../src/jobs/repository.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import type { FinishedOutcome, JobRecord } from '../../src/jobs/types.js';
import { createLogger } from '../../src/logger.js';
import { SettingsService, type JobAuthorizationInput } from '../../src/settings/service.js';
import { utcDayKey } from '../../src/settings/time.js';
import type { GuildJobEntry } from '../../src/settings/usage.js';
import { createClaims, type Claims } from '../../src/store/claims.js';
import { createStore, type Store } from '../../src/store/store.js';

const GUILD = '200000000000000001';
const OTHER_GUILD = '200000000000000002';
const CHANNEL = '200000000000000003';
const ALICE = '200000000000000010';
const BOB = '200000000000000011';
/** 2025-01-10 12:00 UTC. */
const NOON = Date.UTC(2025, 0, 10, 12);
const HOUR = 60 * 60 * 1000;

let store: Store;
let repository: JobRepository;
let claims: Claims;
let service: SettingsService;
let now: number;
let sequence = 0;

beforeEach(() => {
	store = createStore('memory://');
	repository = new JobRepository(store);
	claims = createClaims('memory://');
	now = NOON;
	service = new SettingsService(store, repository, claims, createLogger('silent'), { now: () => now });
});

afterEach(async () => {
	await Promise.all([store.close(), claims.close()]);
});

function input(changes: Partial<JobAuthorizationInput> = {}): JobAuthorizationInput {
	return {
		guildId: GUILD,
		channelId: CHANNEL,
		userId: ALICE,
		roleIds: [],
		kind: 'imagine',
		request: buildGenerateRequest({ kind: 'imagine', prompt: 'a lighthouse', options: {} }),
		...changes,
	};
}

/** Authorises and "starts" a job the way a command does: under the id the authorisation chose. */
async function startJob(changes: Partial<JobAuthorizationInput> = {}): Promise<JobRecord> {
	const authorization = await service.authorizeJob(input(changes));
	if (!authorization.ok) throw new Error(describeRefusal(authorization.refusal));
	const job = jobRecord(authorization.jobId, authorization.request, changes);
	await repository.create(job);
	// Servers without limits record their grants just after answering.
	await service.recorded();
	return job;
}

function jobRecord(id: string, request: JobRecord['request'], changes: Partial<JobAuthorizationInput> = {}): JobRecord {
	sequence += 1;
	return {
		id,
		kind: 'imagine',
		createdAt: now,
		target: { guildId: changes.guildId ?? GUILD, channelId: CHANNEL, requesterId: changes.userId ?? ALICE },
		request,
		state: { phase: 'submitted', taskId: `task-${sequence}`, submittedAt: now },
	};
}

async function finishJob(job: JobRecord, outcome: FinishedOutcome): Promise<void> {
	await repository.update(job.id, (current) => ({
		...current,
		state: { phase: 'finished', taskId: 'task', outcome, finishedAt: now, delivery: { state: 'pending', attempts: 0 } },
	}));
}

const OK: FinishedOutcome = { status: 'succeeded', resultUrls: ['https://e.com/1.png'] };
const FAILED: FinishedOutcome = { status: 'failed', reason: 'moderation' };

async function setLimits(limits: { memberRunning?: number; memberDaily?: number; serverDaily?: number }) {
	await service.settings.updateServer(GUILD, (current) => ({ ...current, limits }));
}

describe('SettingsService.resolveOptions', () => {
	it('reads the member’s and the server’s stored defaults', async () => {
		await service.settings.updateServer(GUILD, (current) => ({
			...current,
			defaults: { version: '6', speed: 'fast' },
		}));
		await service.settings.updateMember(GUILD, ALICE, () => ({ speed: 'relaxed' }));
		const effective = await service.resolveOptions(GUILD, ALICE, { aspect_ratio: '1:1' }, [
			'aspect_ratio',
			'speed',
			'version',
		]);
		expect(effective.values).toEqual({ aspect_ratio: '1:1', speed: 'relaxed', version: '6' });
		// Settings are per server.
		expect((await service.resolveOptions(OTHER_GUILD, ALICE, {}, ['speed'])).values).toEqual({});
	});
});

describe('SettingsService.authorizeJob', () => {
	it('returns the request to send, with the server’s watermark', async () => {
		await service.settings.updateServer(GUILD, (current) => ({ ...current, watermark: 'acme' }));
		const authorization = await service.authorizeJob(input());
		expect(authorization).toMatchObject({ ok: true, request: { watermark: 'acme' } });
	});

	it('asks for the member’s roles only when the server requires a role', async () => {
		const roles = vi.fn(async () => ['role-1']);
		expect((await service.authorizeJob(input({ roleIds: roles }))).ok).toBe(true);
		expect(roles).not.toHaveBeenCalled();
		await service.settings.updateServer(GUILD, (current) => ({ ...current, requiredRoleId: 'role-1' }));
		expect((await service.authorizeJob(input({ roleIds: roles }))).ok).toBe(true);
		expect(roles).toHaveBeenCalledOnce();
	});

	it('counts running jobs, and a finished one no longer', async () => {
		await setLimits({ memberRunning: 2 });
		const first = await startJob();
		await startJob();
		expect(await service.authorizeJob(input())).toMatchObject({ ok: false, refusal: { rule: 'member-running' } });
		// Bob has his own count.
		expect((await service.authorizeJob(input({ userId: BOB }))).ok).toBe(true);
		await finishJob(first, OK);
		expect((await service.authorizeJob(input())).ok).toBe(true);
	});

	it('holds a place between authorisation and start, so concurrent requests cannot both slip under a limit', async () => {
		await setLimits({ memberRunning: 1 });
		const [a, b] = await Promise.all([service.authorizeJob(input()), service.authorizeJob(input())]);
		expect([a.ok, b.ok].sort()).toEqual([false, true]);
		const granted = a.ok ? a : b;
		if (!granted.ok) throw new Error('unreachable');
		await granted.release();
		expect((await service.authorizeJob(input())).ok).toBe(true);
	});

	it('counts a reservation as its job: before the job is stored, once it is, and not after a failed start', async () => {
		await setLimits({ memberRunning: 1, memberDaily: 3 });
		const authorization = await service.authorizeJob(input());
		if (!authorization.ok) throw new Error(describeRefusal(authorization.refusal));
		// Reserved in the store under the job's id, before the job exists.
		expect(await service.usage.memberUsage(GUILD, ALICE)).toEqual({
			running: [{ id: authorization.jobId, at: now }],
			today: 1,
		});
		expect(await service.authorizeJob(input())).toMatchObject({ ok: false, refusal: { rule: 'member-running' } });
		const job = jobRecord(authorization.jobId, authorization.request);
		await repository.create(job);
		// A release after the job was stored changes nothing: the job counts as itself.
		await authorization.release();
		expect(await service.authorizeJob(input())).toMatchObject({ ok: false, refusal: { rule: 'member-running' } });
		await finishJob(job, OK);

		const unused = await service.authorizeJob(input());
		if (!unused.ok) throw new Error(describeRefusal(unused.refusal));
		await unused.release();
		expect(await service.usage.memberUsage(GUILD, ALICE)).toEqual({ running: [], today: 1 });
		expect(await service.guildUsage(GUILD)).toEqual({ today: 1, failedToday: 0, running: 0, members: 1 });
	});

	it('counts an abandoned reservation (its process died before the start) for nothing after five minutes', async () => {
		await setLimits({ memberRunning: 1, memberDaily: 1 });
		expect((await service.authorizeJob(input())).ok).toBe(true);
		now += 4 * 60_000;
		expect(await service.authorizeJob(input())).toMatchObject({ ok: false, refusal: { rule: 'member-running' } });
		now += 60_000;
		expect((await service.authorizeJob(input())).ok).toBe(true);
	});

	it('refuses with a clear message, recording nothing, while another process holds the server’s limits', async () => {
		await setLimits({ memberRunning: 1 });
		expect(await claims.claim(`lock:limits:${GUILD}`, 60_000, 'another process')).toBe(true);
		const waiting = new SettingsService(store, repository, claims, createLogger('silent'), {
			now: () => now,
			lockTiming: { waitMs: 50 },
		});
		const refused = await waiting.authorizeJob(input());
		expect(refused).toEqual({ ok: false, refusal: { rule: 'busy' } });
		expect(!refused.ok && describeRefusal(refused.refusal)).toBe(
			'The bot is busy with other requests from this server right now. Try again in a moment.',
		);
		// Another server is not held up.
		expect((await waiting.authorizeJob(input({ guildId: OTHER_GUILD }))).ok).toBe(true);
		await claims.release(`lock:limits:${GUILD}`, 'another process');
		expect(await service.usage.memberUsage(GUILD, ALICE)).toEqual({ running: [], today: 0 });
		expect((await waiting.authorizeJob(input())).ok).toBe(true);
	});

	it('gives a failed job’s daily count back, and resets the count at midnight UTC', async () => {
		await setLimits({ memberDaily: 2 });
		now = NOON - 13 * HOUR;
		const yesterday = await startJob();
		await finishJob(yesterday, OK);
		now = NOON;
		const failed = await startJob();
		await finishJob(failed, FAILED);
		const ok = await startJob();
		await finishJob(ok, OK);
		await startJob();
		const refused = await service.authorizeJob(input());
		expect(refused).toMatchObject({ ok: false, refusal: { rule: 'member-daily' } });
		const midnight = Math.floor(Date.UTC(2025, 0, 11) / 1000);
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain(`resets <t:${midnight}:R>`);
		now = Date.UTC(2025, 0, 11, 0, 1);
		expect((await service.authorizeJob(input())).ok).toBe(true);
	});

	it('caps the whole server per day, failed jobs excepted', async () => {
		await setLimits({ serverDaily: 2 });
		await startJob({ userId: ALICE });
		const failed = await startJob({ userId: BOB });
		expect(await service.authorizeJob(input({ userId: BOB }))).toMatchObject({
			ok: false,
			refusal: { rule: 'server-daily' },
		});
		await finishJob(failed, FAILED);
		expect(await service.guildUsage(GUILD)).toEqual({ today: 1, failedToday: 1, running: 1, members: 2 });
		expect((await service.authorizeJob(input({ userId: BOB }))).ok).toBe(true);
		// Granted, not started yet: counted already, in every process.
		expect(await service.guildUsage(GUILD)).toEqual({ today: 2, failedToday: 1, running: 2, members: 2 });
	});

	it('still counts the jobs an earlier version recorded today as one value, after an upgrade', async () => {
		await setLimits({ serverDaily: 2 });
		const before = await startJob({ userId: ALICE });
		// Moved to the layout versions before the chunked day lists wrote: `guild-jobs`, one array per server and day.
		await store.collection('guild-day-jobs').clear();
		await store.collection('guild-day-heads').clear();
		await store
			.collection<GuildJobEntry[]>('guild-jobs')
			.set(`${GUILD}:${utcDayKey(now)}`, [{ id: before.id, at: before.createdAt, userId: ALICE }]);
		expect(await service.guildUsage(GUILD)).toEqual({ today: 1, failedToday: 0, running: 1, members: 1 });
		await startJob({ userId: BOB });
		expect(await service.authorizeJob(input({ userId: BOB }))).toMatchObject({
			ok: false,
			refusal: { rule: 'server-daily' },
		});
		expect(await service.guildUsage(GUILD)).toEqual({ today: 2, failedToday: 0, running: 2, members: 2 });
	});
});

describe('SettingsService.removeGuild', () => {
	it('forgets one server’s settings, members’ settings and usage, and nothing of another server', async () => {
		for (const guildId of [GUILD, OTHER_GUILD]) {
			await service.settings.updateServer(guildId, (current) => ({ ...current, watermark: 'acme' }));
			await service.settings.updateMember(guildId, ALICE, () => ({ speed: 'fast' }));
			await startJob({ guildId });
		}
		await service.removeGuild(GUILD);
		expect(await service.settings.server(GUILD)).toEqual({ defaults: {}, channels: [], limits: {}, emoji: {} });
		expect(await service.settings.member(GUILD, ALICE)).toEqual({});
		expect(await service.usage.recentJobs(GUILD, ALICE, 10)).toEqual([]);
		expect((await service.settings.server(OTHER_GUILD)).watermark).toBe('acme');
		expect(await service.settings.member(OTHER_GUILD, ALICE)).toEqual({ speed: 'fast' });
		expect(await service.usage.recentJobs(OTHER_GUILD, ALICE, 10)).toHaveLength(1);
	});
});
