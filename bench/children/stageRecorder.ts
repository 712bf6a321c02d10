/**
 * In the bot child only: records the bot's stages as they happen, from diagnostics channels that cost the bot nothing
 * when nobody listens. The bot's own stages (store statements, downloads; see src/timing.ts), every outgoing HTTP
 * request (undici's channels: the provider, the file host, Discord's REST), every incoming request (Node's HTTP
 * server), and gateway interactions (the client's `raw` event). The bench drains them per job to break a delay into
 * stages.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { Client } from 'discord.js';
import { TIMING_CHANNEL, type StageTiming } from '../../src/timing.js';
import type { StageEvent } from '../protocol.js';

const events: StageEvent[] = [];
/** Bounded: a burst that nobody drains must not grow the bot's memory without end. */
const MAX_EVENTS = 50_000;
let recording = false;

const epoch = (at: number): number => performance.timeOrigin + at;

function push(event: StageEvent): void {
	if (recording && events.length < MAX_EVENTS) events.push(event);
}

interface UndiciRequest {
	origin?: unknown;
	method?: string;
	path?: string;
}

const open = new WeakMap<object, number>();

const handlers: Record<string, (message: unknown) => void> = {
	[TIMING_CHANNEL]: (message) => {
		const timing = message as StageTiming;
		push([epoch(timing.start), epoch(timing.end), timing.stage, timing.detail]);
	},
	'undici:request:create': (message) => {
		open.set((message as { request: object }).request, performance.now());
	},
	'undici:request:headers': (message) => {
		const request = (message as { request: UndiciRequest & object }).request;
		const start = open.get(request);
		if (start === undefined) return;
		open.delete(request);
		const what = `${request.method ?? ''} ${String(request.origin)}${request.path ?? ''}`;
		push([epoch(start), epoch(performance.now()), 'http', what]);
	},
	'http.server.request.start': (message) => {
		const request = (message as { request: { method?: string; url?: string } }).request;
		const at = epoch(performance.now());
		push([at, at, 'incoming', `${request.method ?? ''} ${request.url ?? ''}`]);
	},
};

function onRaw(packet: { t?: string | null; d?: { token?: string } }): void {
	if (packet.t !== 'INTERACTION_CREATE') return;
	const at = epoch(performance.now());
	push([at, at, 'gateway', packet.d?.token ?? '']);
}

/**
 * Subscribes and records until `stopRecording`: only while a figure wants stages, since a subscriber makes undici
 * and Node's server publish on every request (the flood and throughput figures run without).
 */
export function startRecording(client: Client): boolean {
	events.length = 0;
	if (recording) return true;
	recording = true;
	for (const [name, handler] of Object.entries(handlers)) subscribe(name, handler);
	client.on('raw', onRaw);
	return true;
}

/** The events recorded since the last drain (recording goes on). */
export function drainStages(): StageEvent[] {
	return events.splice(0, events.length);
}

export function stopRecording(client: Client): boolean {
	if (!recording) return true;
	recording = false;
	for (const [name, handler] of Object.entries(handlers)) unsubscribe(name, handler);
	client.off('raw', onRaw);
	events.length = 0;
	return true;
}
