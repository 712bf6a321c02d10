import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

const REQUIRED = { DISCORD_TOKEN: 'token', MJ_API_KEY: 'key' };

function problems(env: Record<string, string>): string[] {
	try {
		parseConfig({ ...REQUIRED, ...env });
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
	return [];
}

describe('HTTP and metrics settings', () => {
	it('default to bounded time-outs, a connection cap, and no public metrics', () => {
		const config = parseConfig(REQUIRED);
		expect(config.http).toEqual({
			headersTimeoutMs: 10_000,
			requestTimeoutMs: 30_000,
			keepAliveTimeoutMs: 5_000,
			maxConnections: 1_000,
		});
		expect(config.metrics).toEqual({ port: undefined, host: '127.0.0.1', token: undefined });
	});

	it('reads every one of them', () => {
		const config = parseConfig({
			...REQUIRED,
			HTTP_HEADERS_TIMEOUT_MS: '2000',
			HTTP_REQUEST_TIMEOUT_MS: '4000',
			HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
			HTTP_MAX_CONNECTIONS: '50',
			METRICS_PORT: '9464',
			METRICS_HOST: '0.0.0.0',
			METRICS_TOKEN: 'abcdefghijklmnop.QRST~+/-_==',
		});
		expect(config.http).toEqual({
			headersTimeoutMs: 2_000,
			requestTimeoutMs: 4_000,
			keepAliveTimeoutMs: 1_000,
			maxConnections: 50,
		});
		expect(config.metrics).toEqual({ port: 9464, host: '0.0.0.0', token: 'abcdefghijklmnop.QRST~+/-_==' });
	});

	it.each([
		[{ HTTP_HEADERS_TIMEOUT_MS: '0' }, 'HTTP_HEADERS_TIMEOUT_MS must be a positive integer'],
		[{ HTTP_MAX_CONNECTIONS: 'many' }, 'HTTP_MAX_CONNECTIONS must be a positive integer'],
		[
			{ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' },
			'HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS',
		],
		[{ METRICS_PORT: '70000' }, 'METRICS_PORT must be a port number'],
		[{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters'],
		[{ METRICS_TOKEN: 'has spaces and !marks 0123456789' }, 'METRICS_TOKEN may hold only'],
	])('refuses %j', (env, message) => {
		const found = problems(env);
		expect(found.some((problem) => problem.startsWith(message))).toBe(true);
		// A secret's value is never repeated in a message.
		if ('METRICS_TOKEN' in env) expect(found.join('\n')).not.toContain(env.METRICS_TOKEN);
	});
});
