import { describe, expect, it } from 'vitest';
import { withFiles, type PreparedBody } from '../../src/discord/multipart.js';

/** Parses the body as a web server would (undici's own multipart parser). */
async function parse(prepared: PreparedBody): Promise<FormData> {
	const type = prepared.headers['Content-Type'] ?? '';
	return new Response(prepared.body as Buffer, { headers: { 'content-type': type } }).formData();
}

function prepared(result: ReturnType<typeof withFiles>): PreparedBody {
	if (!('passThroughBody' in result)) throw new Error('expected a multipart body');
	return result;
}

describe('withFiles', () => {
	it('sends a plain JSON body when there are no files', () => {
		expect(withFiles({ content: 'hi' }, [])).toEqual({ body: { content: 'hi' } });
	});

	it('puts the payload and each file in its own part, as discord.js names them', async () => {
		const payload = { content: 'a fox', attachments: [{ id: '0', filename: 'a.png' }] };
		const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
		const form = await parse(
			prepared(
				withFiles(payload, [
					{ name: 'a.png', data: png, contentType: 'image/png' },
					{ name: 'b.webp', data: Buffer.from('RIFF'), contentType: 'image/webp' },
				]),
			),
		);
		expect(JSON.parse(String(form.get('payload_json')))).toEqual(payload);
		const first = form.get('files[0]') as File;
		expect(first.name).toBe('a.png');
		expect(first.type).toBe('image/png');
		expect(Buffer.from(await first.arrayBuffer())).toEqual(png);
		expect((form.get('files[1]') as File).name).toBe('b.webp');
		expect([...form.keys()]).toEqual(['files[0]', 'files[1]', 'payload_json']);
	});

	it('keeps bytes that look like the format itself, and a view into a larger buffer, exactly', async () => {
		const tricky = Buffer.from('\r\n--\r\n----mjbot\r\nContent-Disposition: form-data; name="payload_json"\r\n\r\n{}');
		const backing = Buffer.from('xxxxhello worldyyyy');
		const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, 11);
		const form = await parse(
			prepared(
				withFiles({ content: 'x' }, [
					{ name: 'tricky.bin', data: tricky },
					{ name: 'view.txt', data: view, contentType: 'text/plain' },
				]),
			),
		);
		expect(Buffer.from(await (form.get('files[0]') as File).arrayBuffer())).toEqual(tricky);
		expect((form.get('files[0]') as File).type).toBe('application/octet-stream');
		expect(await (form.get('files[1]') as File).text()).toBe('hello world');
		expect(JSON.parse(String(form.get('payload_json')))).toEqual({ content: 'x' });
	});

	it('escapes a file name that would end its header early, as FormData does', async () => {
		const body = prepared(withFiles({}, [{ name: 'a"b\r\nc ☃.png', data: Buffer.from('x'), key: 'files[7]' }]));
		expect((body.body as Buffer).toString('utf8')).toContain('name="files[7]"; filename="a%22b%0D%0Ac ☃.png"');
		const form = await parse(body);
		// A multipart parser reads the escapes back: the name arrives as it was.
		expect((form.get('files[7]') as File).name).toBe('a"b\r\nc ☃.png');
	});

	it('draws a new boundary for every body', () => {
		const one = prepared(withFiles({}, [{ name: 'a', data: 'x' }])).headers['Content-Type'];
		const two = prepared(withFiles({}, [{ name: 'a', data: 'x' }])).headers['Content-Type'];
		expect(one).toMatch(/^multipart\/form-data; boundary=----mjbot[0-9a-f]{32}$/);
		expect(one).not.toBe(two);
	});
});
