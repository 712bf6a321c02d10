/** The IPC protocol between the bench (parent) and its child processes (the bot, the baselines, the taps). */
import { performance } from 'node:perf_hooks';

export interface CallMessage {
	kind: 'call';
	id: number;
	method: string;
}

export type ChildMessage =
	| { kind: 'ready'; port: number }
	| { kind: 'reply'; id: number; ok: true; result: unknown }
	| { kind: 'reply'; id: number; ok: false; error: string }
	| { kind: 'fatal'; error: string };

/** What the bot child reports for `memory`: `process.memoryUsage()` plus the highest RSS sampled since `resetPeak`. */
export interface MemorySample {
	rss: number;
	heapUsed: number;
	heapTotal: number;
	external: number;
	arrayBuffers: number;
	peakRss: number;
}

/** A request seen by a tap: `[epoch ms, "METHOD /path?query"]` (see children/tap.ts). */
export type TapMark = [number, string];

/**
 * A request and its answer as a tap relayed them: `[epoch ms the request line arrived, epoch ms the last byte of the
 * answer so far left for the client (NaN before any), "METHOD /path?query"]`. The time between is the time spent
 * behind the tap's door (proxy and fake), as the client would see it without the tap's own relaying.
 */
export type TapExchange = [number, number, string];

/**
 * A stage the bot child recorded (see children/stageRecorder.ts): `[epoch ms start, epoch ms end, kind, detail]`.
 * Kinds: `sqlite` (detail: the statement), `download` (the URL), `http` (an outgoing request until its answer's
 * headers: "METHOD origin/path"), `incoming` (a request reaching the bot's server), `gateway` (an interaction's token).
 */
export type StageEvent = [number, number, string, string];

/** Epoch ms with sub-ms precision, comparable between the bench's processes. */
export function epochNow(): number {
	return performance.timeOrigin + performance.now();
}

/** CPU time the process has used so far, in ms (user + system); every child answers `cpu` with it. */
export function cpuMs(): number {
	const usage = process.cpuUsage();
	return (usage.user + usage.system) / 1000;
}

/** Serves calls from the parent: each method returns a JSON-serialisable value. `cpu` is always served. */
export function serveCalls(methods: Record<string, () => unknown>): void {
	process.on('message', (message: CallMessage) => {
		if (message.kind !== 'call') return;
		const method = message.method === 'cpu' ? cpuMs : methods[message.method];
		void (async () => {
			try {
				if (!method) throw new Error(`unknown method ${message.method}`);
				const result = await method();
				process.send?.({ kind: 'reply', id: message.id, ok: true, result } satisfies ChildMessage);
			} catch (error) {
				const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
				process.send?.({ kind: 'reply', id: message.id, ok: false, error: text } satisfies ChildMessage);
			}
		})();
	});
	// The bench died or closed the channel: nothing is left to serve.
	process.on('disconnect', () => process.exit(0));
}

export function reportReady(port: number): void {
	process.send?.({ kind: 'ready', port } satisfies ChildMessage);
}

export function reportFatal(error: unknown): void {
	const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
	process.send?.({ kind: 'fatal', error: text } satisfies ChildMessage);
	setTimeout(() => process.exit(1), 100);
}
