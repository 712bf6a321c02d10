import { describe, expect, it } from 'vitest';
import { parseStoreUrl, type StoreBackend } from '../../src/store/backend.js';

describe('parseStoreUrl', () => {
	it.each<[string, StoreBackend]>([
		['sqlite://./data/bot.sqlite', { kind: 'sqlite', file: './data/bot.sqlite' }],
		['sqlite:///var/lib/bot/bot.sqlite', { kind: 'sqlite', file: '/var/lib/bot/bot.sqlite' }],
		['sqlite://:memory:', { kind: 'sqlite', file: ':memory:' }],
		['memory://', { kind: 'memory' }],
		['redis://u:p@host:6379/2', { kind: 'redis', url: 'redis://u:p@host:6379/2' }],
		['rediss://host:6380', { kind: 'redis', url: 'rediss://host:6380' }],
	])('%s → %j', (url, backend) => {
		expect(parseStoreUrl(url)).toEqual(backend);
	});

	it.each(['postgres://db/bot', './data/bot.sqlite', 'sqlite:bot.sqlite', 'SQLITE://x', ''])(
		'refuses %j, naming its scheme',
		(url) => {
			expect(() => parseStoreUrl(url)).toThrow(/^Unsupported STORE_URL scheme/);
		},
	);
});
