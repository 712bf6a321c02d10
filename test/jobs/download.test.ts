import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadResult } from '../../src/jobs/download.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const LIMITS = { maxBytes: 1024, timeoutMs: 2_000 };

/** A file host with one route per case; `/slow` never answers until the test is over. */
let server: http.Server;
let base: string;
const stalled: http.ServerResponse[] = [];

beforeAll(async () => {
	server = http.createServer((request, response) => {
		switch (request.url) {
			case '/image.png':
				response.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length }).end(PNG);
				return;
			case '/moved':
				response.writeHead(302, { location: '/image.png' }).end();
				return;
			case '/page':
				response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html></html>');
				return;
			case '/announced-large':
				response.writeHead(200, { 'content-type': 'image/png', 'content-length': 4096 }).end(Buffer.alloc(4096));
				return;
			case '/streamed-large':
				// No content-length: the limit can only be seen while reading.
				response.writeHead(200, { 'content-type': 'video/mp4' });
				for (let i = 0; i < 8; i++) response.write(Buffer.alloc(512));
				response.end();
				return;
			case '/slow':
				stalled.push(response);
				return;
			default:
				response.writeHead(404, { 'content-type': 'text/plain' }).end('missing');
		}
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	for (const response of stalled) response.destroy();
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

describe('downloadResult', () => {
	it('downloads an image, naming it by its content type', async () => {
		const result = await downloadResult(`${base}/image.png`, 'job_1', LIMITS);
		expect(result).toEqual({
			ok: true,
			url: `${base}/image.png`,
			file: { name: 'job_1.png', contentType: 'image/png', data: PNG },
		});
	});

	it('follows a redirect', async () => {
		const result = await downloadResult(`${base}/moved`, 'job_1', LIMITS);
		expect(result.ok && result.file.data).toEqual(PNG);
	});

	it('refuses an HTTP error, a non-media file and files over the limit, announced or not', async () => {
		expect(await downloadResult(`${base}/gone`, 'a', LIMITS)).toMatchObject({ ok: false, reason: 'HTTP 404' });
		expect(await downloadResult(`${base}/page`, 'a', LIMITS)).toMatchObject({
			ok: false,
			reason: 'unexpected content type text/html',
		});
		expect(await downloadResult(`${base}/announced-large`, 'a', LIMITS)).toMatchObject({
			ok: false,
			reason: 'too large (4096 bytes)',
		});
		expect(await downloadResult(`${base}/streamed-large`, 'a', LIMITS)).toMatchObject({
			ok: false,
			reason: 'too large (over 1024 bytes)',
		});
		// The refusals left the client usable.
		expect((await downloadResult(`${base}/image.png`, 'a', LIMITS)).ok).toBe(true);
	});

	it('gives up after the time-out, and refuses what is not an http(s) URL', async () => {
		expect(await downloadResult(`${base}/slow`, 'a', { ...LIMITS, timeoutMs: 50 })).toMatchObject({
			ok: false,
			reason: 'timed out after 50 ms',
		});
		expect(await downloadResult('file:///etc/passwd', 'a', LIMITS)).toMatchObject({
			ok: false,
			reason: 'not an http(s) URL',
		});
	});
});
