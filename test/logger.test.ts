import { DiscordAPIError, HTTPError } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, protectSecrets, type Logger } from '../src/logger.js';
import { REDACTED, SecretScrubber } from '../src/logScrubber.js';

const BOT_TOKEN = 'MTExMzYxNzkxOTM3NzQwODAwMg.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB';
const API_KEY = '0123456789abcdef0123456789abcdef';
const INTERACTION_TOKEN = 'aW50ZXJhY3Rpb246MTEx_some-base64url-token.part';
const APP = '1113617919377408000';

function capture(options: Parameters<typeof createLogger>[2] = {}): { logger: Logger; lines: string[] } {
	const lines: string[] = [];
	const logger = createLogger('trace', { write: (line: string) => void lines.push(line) }, options);
	return { logger, lines };
}

describe('SecretScrubber', () => {
	const scrubber = new SecretScrubber();
	scrubber.add([BOT_TOKEN, API_KEY, undefined, 'short']);

	it.each([
		[
			'an interaction webhook URL',
			`"url":"https://discord.com/api/v10/webhooks/${APP}/${INTERACTION_TOKEN}/messages/@original"`,
		],
		['an interaction callback path', `"path":"/interactions/${APP}/${INTERACTION_TOKEN}/callback"`],
		['a webhook route in message text', `"msg":"PATCH /webhooks/${APP}/${INTERACTION_TOKEN} failed"`],
		['an URL-encoded webhook URL', `"u":"x?next=%2Fwebhooks%2F${APP}%2F${INTERACTION_TOKEN}%2Fmessages"`],
	])('takes the token out of %s, keeping the id', (_label, line) => {
		const scrubbed = scrubber.scrub(line);
		expect(scrubbed).not.toContain(INTERACTION_TOKEN);
		expect(scrubbed).toMatch(new RegExp(`${APP}(/|%2F)\\[redacted\\]`));
	});

	it.each([
		[
			'a signed callback URL',
			'"callBack":"https://bot.example.com/callbacks/mj/job1?sig=0a1b2c3d4e5f&x=1"',
			'0a1b2c3d4e5f',
		],
		['an URL-encoded one', '"u":"https://x.test/?next=%2Fcallbacks%2Fmj%2Fjob1%3Fsig%3Dfeedbead99"', 'feedbead99'],
		['a Bearer value', '"msg":"Invalid key: Bearer sk-live-abcdef"', 'sk-live-abcdef'],
		['a Bot authorization', `"headers":"Bot ${'x'.repeat(40)}"`, 'x'.repeat(40)],
		['a token field at any depth', '"a":{"b":{"token":"opaque \\"quoted\\" value"}}', 'opaque'],
		['a callbackUrl field at any depth', '"job":{"request":{"callBackUrl":"https://h/cb"}}', 'https://h/cb'],
	])('takes %s out', (_label, line, secret) => {
		expect(scrubber.scrub(line)).not.toContain(secret);
		expect(scrubber.scrub(line)).toContain(REDACTED);
	});

	it('takes out the literal secrets it was given, in any field and as URL components', () => {
		const line = JSON.stringify({
			msg: `key ${API_KEY}`,
			deep: { list: [BOT_TOKEN] },
			url: encodeURIComponent(BOT_TOKEN),
		});
		const scrubbed = scrubber.scrub(line);
		expect(scrubbed).not.toContain(API_KEY);
		expect(scrubbed).not.toContain(BOT_TOKEN);
		expect(scrubbed).not.toContain(encodeURIComponent(BOT_TOKEN));
		expect(JSON.parse(scrubbed)).toEqual({
			msg: `key ${REDACTED}`,
			deep: { list: [REDACTED] },
			url: REDACTED,
		});
	});

	it('finds a secret with JSON escapes in the line as serialised', () => {
		const odd = new SecretScrubber();
		odd.add(['se"cr\\et-value']);
		const line = JSON.stringify({ msg: 'x se"cr\\et-value y' });
		expect(JSON.parse(odd.scrub(line))).toEqual({ msg: `x ${REDACTED} y` });
	});

	it('leaves ordinary text alone', () => {
		const line = JSON.stringify({
			msg: 'Bot disconnected; Bearer auth ok; short',
			path: '/callbacks/mj/job-1',
			jobId: 'abc',
			taskId: 'mj_task_1',
			tokenBucket: 3,
		});
		expect(scrubber.scrub(line)).toBe(line);
	});
});

describe('createLogger', () => {
	it('scrubs a DiscordAPIError of an interaction-webhook edit, with its cause', () => {
		const { logger, lines } = capture();
		const url = `https://discord.com/api/v10/webhooks/${APP}/${INTERACTION_TOKEN}/messages/@original`;
		const discordError = new DiscordAPIError({ code: 50035, message: 'Invalid Form Body' }, 50035, 400, 'PATCH', url, {
			body: { content: 'hi' },
			files: [{ name: 'a.png', data: Buffer.alloc(200_000, 1), contentType: 'image/png' }],
		});
		const wrapped = new Error('Delivery failed', { cause: discordError });
		logger.warn({ err: discordError }, 'Could not show the working message');
		logger.error({ err: wrapped }, `Delivery failed for ${url}`);
		expect(lines).toHaveLength(2);
		for (const line of lines) {
			expect(line).not.toContain(INTERACTION_TOKEN);
			// The files' bytes are left out, their names and sizes kept.
			expect(line.length).toBeLessThan(10_000);
		}
		const direct = JSON.parse(lines[0]!) as { err: { url: string; requestBody: { files: unknown[] } } };
		expect(direct.err.url).toBe(`https://discord.com/api/v10/webhooks/${APP}/${REDACTED}/messages/@original`);
		expect(direct.err.requestBody.files).toEqual([{ name: 'a.png', contentType: 'image/png', bytes: 200_000 }]);
		const nested = JSON.parse(lines[1]!) as { msg: string; err: { cause: { url: string; status: number } } };
		expect(nested.err.cause).toMatchObject({ status: 400, url: expect.stringContaining(REDACTED) as unknown });
		expect(nested.msg).toContain(REDACTED);
		// The error itself is untouched: it may still be handled after it was logged.
		expect(discordError.url).toBe(url);
		expect(discordError.requestBody.files?.[0]?.data).toHaveLength(200_000);
	});

	it('scrubs an HTTPError (5xx) the same way', () => {
		const { logger, lines } = capture();
		const error = new HTTPError(503, 'Service Unavailable', 'PATCH', `http://x/webhooks/${APP}/${INTERACTION_TOKEN}`, {
			body: {},
		});
		logger.warn({ err: error }, 'retrying');
		expect(lines[0]).not.toContain(INTERACTION_TOKEN);
	});

	it('takes out secrets given at creation and registered later, in child loggers too', () => {
		const { logger, lines } = capture({ secrets: [BOT_TOKEN] });
		const child = logger.child({ jobId: 'job-1' });
		child.info({ detail: BOT_TOKEN }, 'first');
		child.info({ detail: API_KEY }, 'before registration');
		protectSecrets(child, [API_KEY]);
		logger.info({ detail: API_KEY }, 'after registration');
		child.info(`message text ${API_KEY}`);
		expect(lines[0]).not.toContain(BOT_TOKEN);
		expect(lines[1]).toContain(API_KEY);
		expect(lines[2]).not.toContain(API_KEY);
		expect(lines[3]).not.toContain(API_KEY);
		expect(JSON.parse(lines[3]!)).toMatchObject({ jobId: 'job-1', msg: `message text ${REDACTED}` });
	});
});

describe('createLogger, pretty', () => {
	it('writes readable lines, scrubbed like the JSON ones', () => {
		const { logger, lines } = capture({ secrets: [BOT_TOKEN], format: 'pretty' });
		const url = `https://discord.com/api/v10/webhooks/${APP}/${INTERACTION_TOKEN}/messages/@original`;
		logger.info({ jobId: 'job-1', detail: BOT_TOKEN }, `Edited ${url}`);
		protectSecrets(logger, [API_KEY]);
		logger.error({ err: new Error('refused', { cause: new Error(`key ${API_KEY}`) }) }, 'Submit failed');
		expect(lines).toHaveLength(2);
		const [info = '', error = ''] = lines;
		// Not JSON: a time, the level and the message first, then the fields one per line.
		expect(() => JSON.parse(info) as unknown).toThrow();
		expect(info).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Edited https:\/\/discord\.com\/api\/v10\/webhooks\//);
		expect(info).toContain('jobId: "job-1"');
		expect(info).toContain(`/webhooks/${APP}/${REDACTED}/messages/@original`);
		expect(error).toMatch(/^\[[\d:.]+\] ERROR: Submit failed\n/);
		expect(error).toContain(`key ${REDACTED}`);
		for (const line of lines) {
			expect(line).not.toContain(INTERACTION_TOKEN);
			expect(line).not.toContain(BOT_TOKEN);
			expect(line).not.toContain(API_KEY);
			// No colours into a destination that is not a terminal.
			expect(line).not.toContain('\u001b[');
		}
	});

	it('stays JSON by default, and with `auto` when it writes anywhere but a terminal', () => {
		for (const format of [undefined, 'json', 'auto'] as const) {
			const { logger, lines } = capture(format === undefined ? {} : { format });
			logger.info({ jobId: 'job-1' }, 'hello');
			expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 30, jobId: 'job-1', msg: 'hello' });
		}
	});

	it('with `auto`, is pretty on standard output when that is a terminal', () => {
		const written: string[] = [];
		const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
			written.push(String(chunk));
			return true;
		});
		const wasTty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
		Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
		try {
			createLogger('info', undefined, { format: 'auto', secrets: [API_KEY] }).info(`key ${API_KEY}`);
		} finally {
			if (wasTty) Object.defineProperty(process.stdout, 'isTTY', wasTty);
			else Reflect.deleteProperty(process.stdout, 'isTTY');
			write.mockRestore();
		}
		expect(written).toHaveLength(1);
		expect(written[0]).toMatch(/INFO.*: .*key \[redacted\]/);
		expect(written[0]).not.toContain(API_KEY);
	});
});
