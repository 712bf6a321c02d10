import type { LookupAddress } from 'node:dns';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMp4, createPng } from '../../fakes/midjourney.js';
import {
	downloadResult,
	downloadsInProgress,
	MAX_CONCURRENT_DOWNLOADS,
	MAX_REDIRECTS,
} from '../../src/jobs/download.js';
import { createGuardedAgent, guardedLookup, type ResolveAll } from '../../src/jobs/guardedAgent.js';
import { maxResultsOf } from '../../src/jobs/resultCount.js';
import { isAllowListed, isPublicAddress } from '../../src/jobs/safeAddress.js';
import { sniffMedia } from '../../src/jobs/sniff.js';

const PNG = createPng(2, 2, [10, 20, 30]);
const MP4 = createMp4();
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60)]);
const HTML = Buffer.from('<!doctype html><html><body>Sign in to continue</body></html>', 'utf8');

/** A server that counts every connection made to it: downloads must never reach it. */
interface Forbidden {
	server: http.Server;
	port: number;
	connections: number;
}

async function listen(server: http.Server): Promise<number> {
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return (server.address() as AddressInfo).port;
}

async function close(server: http.Server): Promise<void> {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
}

/** The file host, allow-listed by its exact host:port; `/slow` never answers until the test is over. */
let server: http.Server;
let base: string;
let limits: { maxBytes: number; timeoutMs: number; allowHosts: string[] };
let forbidden: Forbidden;
const stalled: http.ServerResponse[] = [];
/** Requests to `/held/…`: held unanswered while `holding`, counted while in flight (see the concurrency case). */
const held = { inFlight: 0, max: 0, arrived: 0, holding: true, waiting: [] as http.ServerResponse[] };

function answerHeld(response: http.ServerResponse): void {
	response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
}

/** Resolves once `check` holds, looking again every few milliseconds (the semaphore's state has no event). */
async function until(check: () => boolean, what: string): Promise<void> {
	for (let waited = 0; !check(); waited += 5) {
		if (waited > 5_000) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

beforeAll(async () => {
	forbidden = { server: http.createServer((_, response) => response.end(PNG)), port: 0, connections: 0 };
	forbidden.server.on('connection', () => forbidden.connections++);
	forbidden.port = await listen(forbidden.server);
	const secret = `http://127.0.0.1:${forbidden.port}/secret.png`;

	server = http.createServer((req, response) => {
		const send = (type: string, body: Buffer) =>
			response.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
		const url = req.url ?? '/';
		if (url.startsWith('/held/')) {
			held.inFlight++;
			held.arrived++;
			held.max = Math.max(held.max, held.inFlight);
			response.on('finish', () => held.inFlight--);
			if (held.holding) held.waiting.push(response);
			else answerHeld(response);
			return;
		}
		switch (url) {
			case '/image.png':
				return send('image/png', PNG);
			case '/photo':
				return send('application/octet-stream', JPEG);
			case '/clip':
				return send('image/png', MP4);
			case '/moved':
				return response.writeHead(302, { location: '/image.png' }).end();
			case '/page':
				return send('text/html; charset=utf-8', HTML);
			case '/html-as-png':
				return send('image/png', HTML);
			case '/tiny-text':
				return send('image/png', Buffer.from('no'));
			case '/to-forbidden':
				return response.writeHead(302, { location: secret }).end();
			case '/to-localhost':
				return response.writeHead(307, { location: `http://localhost:${forbidden.port}/secret.png` }).end();
			case '/to-metadata':
				return response.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
			case '/to-file':
				return response.writeHead(302, { location: 'file:///etc/passwd' }).end();
			case '/loop':
				return response.writeHead(302, { location: '/loop' }).end();
			case '/announced-large':
				return response.writeHead(200, { 'content-type': 'image/png', 'content-length': 4096 }).end(Buffer.alloc(4096));
			case '/streamed-large':
				// No content-length: the limit can only be seen while reading.
				response.writeHead(200, { 'content-type': 'video/mp4' });
				response.write(MP4);
				for (let i = 0; i < 8; i++) response.write(Buffer.alloc(512));
				return response.end();
			case '/slow':
				stalled.push(response);
				return;
			default:
				return response.writeHead(404, { 'content-type': 'text/plain' }).end('missing');
		}
	});
	const port = await listen(server);
	base = `http://127.0.0.1:${port}`;
	limits = { maxBytes: 1024, timeoutMs: 2_000, allowHosts: [`127.0.0.1:${port}`] };
});

afterAll(async () => {
	for (const response of stalled) response.destroy();
	await Promise.all([close(server), close(forbidden.server)]);
});

describe('downloadResult', () => {
	it('downloads an image, naming it by its bytes', async () => {
		expect(await downloadResult(`${base}/image.png`, 'job_1', limits)).toEqual({
			ok: true,
			url: `${base}/image.png`,
			file: { name: 'job_1.png', contentType: 'image/png', data: PNG },
		});
		// Whatever the server calls them: the stored type and extension come from the bytes.
		expect(await downloadResult(`${base}/photo`, 'job_2', limits)).toMatchObject({
			ok: true,
			file: { name: 'job_2.jpg', contentType: 'image/jpeg' },
		});
		expect(await downloadResult(`${base}/clip`, 'job_3', limits)).toMatchObject({
			ok: true,
			file: { name: 'job_3.mp4', contentType: 'video/mp4' },
		});
	});

	it('follows a redirect', async () => {
		const result = await downloadResult(`${base}/moved`, 'job_1', limits);
		expect(result.ok && result.file.data).toEqual(PNG);
	});

	it('refuses a file whose bytes are not an image or video, whatever its content type says', async () => {
		for (const path of ['/page', '/html-as-png', '/tiny-text']) {
			const result = await downloadResult(`${base}${path}`, 'a', limits);
			expect(result).toMatchObject({ ok: false });
			expect(!result.ok && result.reason).toMatch(/^not an image or video/);
		}
		expect(await downloadResult(`${base}/html-as-png`, 'a', limits)).toMatchObject({
			reason: 'not an image or video (its first bytes match no known format; served as image/png)',
		});
	});

	it('refuses an HTTP error and files over the limit, announced or not', async () => {
		expect(await downloadResult(`${base}/gone`, 'a', limits)).toMatchObject({
			ok: false,
			failure: 'unavailable',
			reason: 'HTTP 404',
		});
		expect(await downloadResult(`${base}/announced-large`, 'a', limits)).toMatchObject({
			ok: false,
			failure: 'too-large',
			reason: 'too large (4096 bytes)',
		});
		expect(await downloadResult(`${base}/streamed-large`, 'a', limits)).toMatchObject({
			ok: false,
			failure: 'too-large',
			reason: 'too large (over 1024 bytes)',
		});
		// The refusals left the client usable.
		expect((await downloadResult(`${base}/image.png`, 'a', limits)).ok).toBe(true);
	});

	it('never connects to a private address, however the URL gets there', async () => {
		const refusals = [
			`${base}/to-forbidden`, // a redirect to an address
			`${base}/to-localhost`, // a redirect to a name of one
			`${base}/to-metadata`, // the cloud's metadata service
			`http://127.0.0.1:${forbidden.port}/secret.png`, // asked directly
			`http://[::ffff:127.0.0.1]:${forbidden.port}/secret.png`, // in IPv6 clothing
		];
		for (const url of refusals) {
			const result = await downloadResult(url, 'a', limits);
			expect(result, url).toMatchObject({ ok: false, url });
			expect(!result.ok && result.reason, url).toMatch(/^refused to connect to /);
		}
		expect(forbidden.connections).toBe(0);
		// Allow-listing the host (any port) is what lets it through.
		const allowed = await downloadResult(`http://127.0.0.1:${forbidden.port}/secret.png`, 'a', {
			...limits,
			allowHosts: ['127.0.0.1'],
		});
		expect(allowed.ok).toBe(true);
	});

	it('gives up on redirect loops and on redirects away from http(s)', async () => {
		expect(await downloadResult(`${base}/loop`, 'a', limits)).toMatchObject({
			ok: false,
			reason: `more than ${MAX_REDIRECTS} redirects`,
		});
		expect(await downloadResult(`${base}/to-file`, 'a', limits)).toMatchObject({
			ok: false,
			reason: 'HTTP 302 to a URL that is not http(s)',
		});
	});

	it('gives up after the time-out, and refuses what is not an http(s) URL', async () => {
		expect(await downloadResult(`${base}/slow`, 'a', { ...limits, timeoutMs: 50 })).toMatchObject({
			ok: false,
			reason: 'timed out after 50 ms',
		});
		expect(await downloadResult('file:///etc/passwd', 'a', limits)).toMatchObject({
			ok: false,
			reason: 'not an http(s) URL',
		});
	});

	it(`runs at most ${MAX_CONCURRENT_DOWNLOADS} downloads at once, however many are asked for`, async () => {
		const downloads = Promise.all(
			Array.from({ length: 40 }, async (_, i) => downloadResult(`${base}/held/${i}.png`, `f${i}`, limits)),
		);
		// The server answers nothing yet: the first ones hold every slot, and the rest wait without a request sent.
		await until(
			() =>
				held.arrived > MAX_CONCURRENT_DOWNLOADS ||
				(held.arrived === MAX_CONCURRENT_DOWNLOADS && downloadsInProgress().waiting === 40 - MAX_CONCURRENT_DOWNLOADS),
			'the downloads beyond the bound to queue',
		);
		expect(held.max).toBe(MAX_CONCURRENT_DOWNLOADS);
		held.holding = false;
		for (const response of held.waiting.splice(0)) answerHeld(response);
		const results = await downloads;
		expect(results.every((result) => result.ok)).toBe(true);
		expect(held.arrived).toBe(40);
		expect(held.max).toBe(MAX_CONCURRENT_DOWNLOADS);
		expect(downloadsInProgress()).toEqual({ running: 0, waiting: 0 });
	});
});

describe('public addresses', () => {
	it.each([
		'127.0.0.1',
		'127.8.9.10',
		'10.1.2.3',
		'172.16.0.1',
		'172.31.255.255',
		'192.168.1.1',
		'169.254.169.254',
		'100.64.0.1',
		'0.0.0.0',
		'224.0.0.1',
		'255.255.255.255',
		'::',
		'::1',
		'fc00::1',
		'fd12:3456::1',
		'fe80::1',
		'ff02::1',
		'::ffff:127.0.0.1',
		'::ffff:a9fe:a9fe',
		'64:ff9b::10.0.0.1',
		'2002:7f00:1::',
		'not an address',
	])('refuses %s', (address) => {
		expect(isPublicAddress(address)).toBe(false);
	});

	it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'])(
		'allows %s',
		(address) => {
			expect(isPublicAddress(address)).toBe(true);
		},
	);

	it('matches allow-list entries by host, or by host and port', () => {
		const list = ['cdn.example.com', '127.0.0.1:8080', '[::1]:9000'];
		expect(isAllowListed(new URL('https://cdn.example.com/a.png'), list)).toBe(true);
		expect(isAllowListed(new URL('http://cdn.example.com:81/a.png'), list)).toBe(true);
		expect(isAllowListed(new URL('http://127.0.0.1:8080/a.png'), list)).toBe(true);
		expect(isAllowListed(new URL('http://127.0.0.1:8081/a.png'), list)).toBe(false);
		expect(isAllowListed(new URL('http://127.0.0.1/a.png'), list)).toBe(false);
		expect(isAllowListed(new URL('http://[::1]:9000/a.png'), list)).toBe(true);
		expect(isAllowListed(new URL('http://other.example.com/a.png'), list)).toBe(false);
		expect(isAllowListed(new URL('http://127.0.0.1:80/'), ['127.0.0.1:80'])).toBe(true);
	});
});

describe('the guarded connection', () => {
	/** A resolver that answers from a table, as a hostile DNS server might. */
	const resolverOf =
		(table: Record<string, string[]>): ResolveAll =>
		(hostname, _options, callback) => {
			const addresses: LookupAddress[] = (table[hostname] ?? []).map((address) => ({
				address,
				family: address.includes(':') ? 6 : 4,
			}));
			callback(null, addresses);
		};

	it('hands the socket only the public addresses of a name, and fails when there are none', async () => {
		const lookup = guardedLookup(resolverOf({ mixed: ['10.0.0.1', '93.184.216.34', '::1'], inside: ['127.0.0.1'] }));
		const ask = async (hostname: string, all: boolean) =>
			new Promise<{ error: Error | null; address: unknown }>((resolve) => {
				lookup(hostname, { all }, (error, address) => resolve({ error, address }));
			});
		expect(await ask('mixed', true)).toEqual({ error: null, address: [{ address: '93.184.216.34', family: 4 }] });
		expect(await ask('mixed', false)).toEqual({ error: null, address: '93.184.216.34' });
		const inside = await ask('inside', false);
		expect(inside.error?.message).toBe('refused to connect to inside: it resolves to 127.0.0.1, no public address');
	});

	it('connects where the lookup it uses points, so a name rebound to a private address gets nowhere', async () => {
		const agent = createGuardedAgent(resolverOf({ 'rebound.test': ['127.0.0.1'] }));
		const before = forbidden.connections;
		try {
			await expect(request(`http://rebound.test:${forbidden.port}/secret.png`, { dispatcher: agent })).rejects.toThrow(
				'refused to connect to rebound.test: it resolves to 127.0.0.1, no public address',
			);
			expect(forbidden.connections).toBe(before);
		} finally {
			await agent.close();
		}
	});
});

describe('sniffMedia', () => {
	it.each([
		['png', PNG, 'image/png'],
		['jpg', JPEG, 'image/jpeg'],
		['webp', Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'), 'image/webp'],
		['gif', Buffer.from('GIF89a\x01\0\x01\0', 'latin1'), 'image/gif'],
		['mp4', MP4, 'video/mp4'],
		['mov', Buffer.from('\0\0\0\x14ftypqt  \0\0\0\0', 'latin1'), 'video/quicktime'],
		['webm', Buffer.from('\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm', 'latin1'), 'video/webm'],
		['mkv', Buffer.from('\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska', 'latin1'), 'video/x-matroska'],
	])('recognises %s', (extension, bytes, contentType) => {
		expect(sniffMedia(bytes)).toEqual({ contentType, extension });
	});

	it.each([
		['HTML', HTML],
		['JSON', Buffer.from('{"error":"expired"}')],
		['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
		['nothing', Buffer.alloc(0)],
		['a PNG cut short', PNG.subarray(0, 4)],
	])('refuses %s', (_, bytes) => {
		expect(sniffMedia(bytes)).toBeUndefined();
	});
});

describe('maxResultsOf', () => {
	it('is four for images and the batch size (one by default) for video', () => {
		expect(maxResultsOf({ taskType: 'mj_txt2img', prompt: 'a', params: {} })).toBe(4);
		expect(maxResultsOf({ taskType: 'mj_omni_reference', prompt: 'a', imageUrl: 'https://x/y.png', params: {} })).toBe(
			4,
		);
		expect(
			maxResultsOf({ taskType: 'mj_video', prompt: 'a', imageUrl: 'https://x/y.png', params: { motion: 'high' } }),
		).toBe(1);
		expect(
			maxResultsOf({
				taskType: 'mj_video_hd',
				prompt: 'a',
				imageUrl: 'https://x/y.png',
				params: { motion: 'low', videoBatchSize: 2 },
			}),
		).toBe(2);
	});
});
