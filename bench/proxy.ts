/**
 * A recording reverse proxy that stands in front of a fake (Discord or Midjourney) and belongs to it: every request is
 * time-stamped when it reaches the fake's side and when its answer has been written, so figures can be measured "at
 * the fakes" on one clock (`performance.now()` of the bench process).
 *
 * It can also enforce Discord-style route buckets: a fixed window of `limit` requests per `windowMs` per bucket key,
 * announced on every answer with real `x-ratelimit-*` headers, and a 429 (with `retry-after`) for a request over the
 * limit, which never reaches the fake.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProxyRecord {
	method: string;
	/** Path and query as received, not decoded. */
	url: string;
	/** `performance.now()` when the request arrived. */
	start: number;
	/** `performance.now()` when the answer was fully written (NaN until then). */
	end: number;
	status: number;
	/** True when the proxy answered 429 itself. */
	limited: boolean;
}

export interface BucketRule {
	/** The bucket key for a request (e.g. `channel:<id>`), or undefined when the rule does not apply. */
	key(method: string, url: string): string | undefined;
	limit: number;
	windowMs: number;
	/** The opaque `x-ratelimit-bucket` hash announced for this rule. */
	hash: string;
}

interface BucketState {
	remaining: number;
	/** Epoch ms at which the window ends. */
	resetAt: number;
}

export interface RecordingProxy {
	/** `http://127.0.0.1:PORT` */
	readonly url: string;
	readonly records: ProxyRecord[];
	/** How many 429s the proxy answered. */
	readonly limitedCount: number;
	/** Replaces the bucket rules (empty: no rate limits) and forgets every bucket's state. */
	setBuckets(rules: BucketRule[]): void;
	/** Called for each record when its answer has been written. */
	onRecord: ((record: ProxyRecord) => void) | undefined;
	close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
	const upstream = new URL(target);
	const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	const records: ProxyRecord[] = [];
	let rules: BucketRule[] = [];
	let buckets = new Map<string, BucketState>();
	let limitedCount = 0;

	const rateHeaders = (rule: BucketRule, state: BucketState, now: number): Record<string, string> => ({
		'x-ratelimit-limit': String(rule.limit),
		'x-ratelimit-remaining': String(state.remaining),
		'x-ratelimit-reset': (state.resetAt / 1000).toFixed(3),
		'x-ratelimit-reset-after': (Math.max(0, state.resetAt - now) / 1000).toFixed(3),
		'x-ratelimit-bucket': rule.hash,
	});

	const server = http.createServer((req, res) => {
		const record: ProxyRecord = {
			method: req.method ?? 'GET',
			url: req.url ?? '/',
			start: performance.now(),
			end: Number.NaN,
			status: 0,
			limited: false,
		};
		records.push(record);
		res.on('finish', () => {
			record.end = performance.now();
			proxy.onRecord?.(record);
		});

		let extraHeaders: Record<string, string> = {};
		for (const rule of rules) {
			const key = rule.key(record.method, record.url);
			if (key === undefined) continue;
			const now = Date.now();
			let state = buckets.get(key);
			if (!state || now >= state.resetAt) {
				state = { remaining: rule.limit, resetAt: now + rule.windowMs };
				buckets.set(key, state);
			}
			if (state.remaining <= 0) {
				const retryAfter = (state.resetAt - now) / 1000;
				limitedCount++;
				record.limited = true;
				record.status = 429;
				req.resume();
				const body = JSON.stringify({ message: 'You are being rate limited.', retry_after: retryAfter, global: false });
				res.writeHead(429, {
					...rateHeaders(rule, state, now),
					// Discord rounds the header up to whole seconds; the body has the precise value.
					'retry-after': String(Math.max(1, Math.ceil(retryAfter))),
					'x-ratelimit-scope': 'user',
					'content-type': 'application/json',
					'content-length': String(Buffer.byteLength(body)),
				});
				res.end(body);
				return;
			}
			state.remaining--;
			extraHeaders = rateHeaders(rule, state, now);
			break;
		}

		const forward = http.request(
			{
				host: upstream.hostname,
				port: upstream.port,
				path: record.url,
				method: record.method,
				headers: { ...req.headers, host: upstream.host },
				agent,
			},
			(answer) => {
				record.status = answer.statusCode ?? 502;
				res.writeHead(record.status, { ...answer.headers, ...extraHeaders });
				answer.pipe(res);
			},
		);
		forward.on('error', () => {
			if (!res.headersSent) res.writeHead(502);
			res.end();
		});
		req.pipe(forward);
	});
	server.keepAliveTimeout = 60_000;

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const { port } = server.address() as AddressInfo;

	const proxy: RecordingProxy = {
		url: `http://127.0.0.1:${port}`,
		records,
		get limitedCount() {
			return limitedCount;
		},
		setBuckets(next) {
			rules = next;
			buckets = new Map();
		},
		onRecord: undefined,
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			agent.destroy();
		},
	};
	return proxy;
}
