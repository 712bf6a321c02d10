/**
 * Jobs waiting for a provider key, taken fairly: round-robin across servers, and within a server across members, one
 * job per member per turn. A member with one job waits behind at most one job of each other member waiting for the
 * same key, never behind someone's fifty. Deterministic: the same calls give the same order.
 *
 * Positions follow the order `take` will follow, as things stand. A newcomer joins the end of the current round, so
 * it passes nobody in this round, but it takes its share of the later ones: a job several rounds back may move back
 * (that is the fairness), so a shown position or estimate must be refreshed when it drifts. One job's position costs O(servers + members of its server + its member's jobs), without
 * walking the queue; `positions` of many jobs walks the order once, as far as the furthest of them.
 */
import { Rotation } from './rotation.js';

export interface QueuedJob {
	id: string;
	/** The provider key the job waits for (its key id). */
	keyId: string;
	guildId: string;
	memberId: string;
}

/** A member's waiting jobs, oldest first. */
type MemberJobs = string[];

interface ServerQueue {
	members: Rotation<MemberJobs>;
	size: number;
}

/** The servers waiting for one key. */
type KeyQueue = Rotation<ServerQueue>;

export class FairQueue {
	private readonly keys = new Map<string, KeyQueue>();
	private readonly jobs = new Map<string, QueuedJob>();

	/** Jobs waiting, for one key or for all. */
	public size(keyId?: string): number {
		if (keyId === undefined) return this.jobs.size;
		let total = 0;
		for (const [, server] of this.keys.get(keyId)?.inTurnOrder() ?? []) total += server.size;
		return total;
	}

	public has(id: string): boolean {
		return this.jobs.has(id);
	}

	/** The key a waiting job waits for. */
	public keyOf(id: string): string | undefined {
		return this.jobs.get(id)?.keyId;
	}

	/** The keys with jobs waiting. */
	public keyIds(): string[] {
		return [...this.keys.keys()];
	}

	public enqueue(job: QueuedJob): void {
		if (this.jobs.has(job.id)) throw new Error(`Job ${job.id} is queued already`);
		this.jobs.set(job.id, { ...job });
		let servers = this.keys.get(job.keyId);
		if (!servers) this.keys.set(job.keyId, (servers = new Rotation()));
		let server = servers.get(job.guildId);
		if (!server) servers.add(job.guildId, (server = { members: new Rotation(), size: 0 }));
		let member = server.members.get(job.memberId);
		if (!member) server.members.add(job.memberId, (member = []));
		member.push(job.id);
		server.size += 1;
	}

	/** The job whose turn it is for `keyId`, taken out of the queue; undefined when none waits. */
	public take(keyId: string): QueuedJob | undefined {
		const servers = this.keys.get(keyId);
		const server = servers?.current();
		const member = server?.members.current();
		if (!servers || !server || !member) return undefined;
		const id = member.shift()!;
		if (member.length === 0) server.members.removeCurrent();
		else server.members.advance();
		server.size -= 1;
		if (server.size === 0) servers.removeCurrent();
		else servers.advance();
		if (servers.size === 0) this.keys.delete(keyId);
		const job = this.jobs.get(id)!;
		this.jobs.delete(id);
		return job;
	}

	/** Takes a job out wherever it waits (cancelled, or failed before its turn). */
	public remove(id: string): boolean {
		const job = this.jobs.get(id);
		if (!job) return false;
		this.jobs.delete(id);
		const servers = this.keys.get(job.keyId)!;
		const server = servers.get(job.guildId)!;
		const member = server.members.get(job.memberId)!;
		member.splice(member.indexOf(id), 1);
		if (member.length === 0) server.members.remove(job.memberId);
		server.size -= 1;
		if (server.size === 0) servers.remove(job.guildId);
		if (servers.size === 0) this.keys.delete(job.keyId);
		return true;
	}

	/** 1 = taken next for its key; undefined when not queued. */
	public position(id: string): number | undefined {
		const job = this.jobs.get(id);
		if (!job) return undefined;
		const servers = this.keys.get(job.keyId)!;
		const server = servers.get(job.guildId)!;
		const indexInMember = server.members.get(job.memberId)!.indexOf(id);
		const sizes = [...server.members.inTurnOrder()].map(([name, jobs]) => [name, jobs.length] as const);
		const turnInServer = takenBefore(sizes, job.memberId, indexInMember);
		const serverSizes = [...servers.inTurnOrder()].map(([name, queued]) => [name, queued.size] as const);
		return takenBefore(serverSizes, job.guildId, turnInServer) + 1;
	}

	/** Positions of many jobs at once (those not queued are left out): one walk of the order, up to the furthest. */
	public positions(ids: Iterable<string>): Map<string, number> {
		const wanted = new Map<string, Set<string>>();
		for (const id of ids) {
			const job = this.jobs.get(id);
			if (!job) continue;
			let set = wanted.get(job.keyId);
			if (!set) wanted.set(job.keyId, (set = new Set()));
			set.add(id);
		}
		const found = new Map<string, number>();
		for (const [keyId, set] of wanted) {
			let position = 0;
			for (const id of this.order(keyId)) {
				position += 1;
				if (!set.delete(id)) continue;
				found.set(id, position);
				if (set.size === 0) break;
			}
		}
		return found;
	}

	/** The jobs waiting for `keyId` in the order `take` would return them, were nothing else to arrive. */
	public *order(keyId: string): Generator<string> {
		const servers = this.keys.get(keyId);
		if (!servers) return;
		const lanes = [...servers.inTurnOrder()].map(([, server]) => {
			const members = [...server.members.inTurnOrder()].map(([, jobs]) => arrayLane(jobs));
			const inServer = roundRobin(members);
			return { size: server.size, next: () => inServer.next().value! };
		});
		yield* roundRobin(lanes);
	}
}

/**
 * How many items are taken before the `index`-th item (0-based) of lane `name`, when lanes of the given sizes (in
 * turn order) give one item each per round, a lane leaving the rotation once empty: every lane gives min(size, index)
 * in the rounds before, and in that item's round the lanes ahead of it give one more each if they still have one.
 */
function takenBefore(lanes: ReadonlyArray<readonly [string, number]>, name: string, index: number): number {
	let before = 0;
	let ahead = true;
	for (const [lane, size] of lanes) {
		if (lane === name) ahead = false;
		before += Math.min(size, index);
		if (ahead && size > index) before += 1;
	}
	return before;
}

/** Items given one at a time; `size` of them in all. */
interface Lane<Item> {
	size: number;
	next(): Item;
}

function arrayLane<Item>(items: readonly Item[]): Lane<Item> {
	let index = 0;
	return { size: items.length, next: () => items[index++]! };
}

/** Items of the lanes, one per lane per round, lanes leaving once empty: O(items) in all. */
function* roundRobin<Item>(lanes: ReadonlyArray<Lane<Item>>): Generator<Item> {
	let active = lanes.filter((lane) => lane.size > 0);
	for (let round = 0; active.length > 0; round++) {
		for (const lane of active) yield lane.next();
		active = active.filter((lane) => lane.size > round + 1);
	}
}
