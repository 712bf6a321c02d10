import { describe, expect, it } from 'vitest';
import { IMAGE_OPTION_NAMES, OMNI_OPTION_NAMES, VIDEO_OPTION_NAMES } from '../../src/jobs/options.js';
import { implicitSpeed, resolveEffective } from '../../src/settings/resolve.js';
import { emptyServerSettings, type ServerSettings } from '../../src/settings/types.js';

function server(changes: Partial<ServerSettings> = {}): ServerSettings {
	return { ...emptyServerSettings(), ...changes };
}

describe('resolveEffective', () => {
	it('takes the command option, else the member’s, else the server’s, else leaves it to the API', () => {
		const result = resolveEffective(
			IMAGE_OPTION_NAMES,
			{ aspect_ratio: '2:3' },
			{ aspect_ratio: '1:1', speed: 'fast' },
			server({ defaults: { aspect_ratio: '16:9', speed: 'relaxed', version: '6.1' } }),
		);
		expect(result.values).toEqual({ aspect_ratio: '2:3', speed: 'fast', version: '6.1' });
		expect(result.sources).toEqual({
			aspect_ratio: 'option',
			speed: 'member',
			version: 'server',
			variety: 'api',
			stylization: 'api',
			weirdness: 'api',
		});
	});

	it('keeps falsy values: 0 and false are choices, not gaps', () => {
		const result = resolveEffective(
			[...VIDEO_OPTION_NAMES, 'weirdness'],
			{ hd: false },
			{ weirdness: 0 },
			server({ defaults: { hd: true, weirdness: 500 } }),
		);
		expect(result.values).toMatchObject({ hd: false, weirdness: 0 });
		expect(result.sources).toMatchObject({ hd: 'option', weirdness: 'member' });
	});

	it('leaves out options the command does not take, whoever set them', () => {
		const result = resolveEffective(
			OMNI_OPTION_NAMES,
			{},
			{ speed: 'turbo', motion: 'low' },
			server({ defaults: { batch_size: 2, omni_weight: 300 } }),
		);
		expect(result.values).toEqual({ omni_weight: 300 });
		expect(Object.keys(result.sources)).toEqual([...OMNI_OPTION_NAMES]);
	});

	it('picks the slowest allowed speed when speeds are restricted and nobody chose one', () => {
		const restricted = server({ allowedSpeeds: ['fast', 'turbo'] });
		const result = resolveEffective(IMAGE_OPTION_NAMES, {}, {}, restricted);
		expect(result.values.speed).toBe('fast');
		expect(result.sources.speed).toBe('rule');
		// …but not for commands without a speed.
		expect(resolveEffective(VIDEO_OPTION_NAMES, {}, {}, restricted).values).toEqual({});
		// A chosen speed is kept, even a disallowed one: the rules refuse it with a message instead.
		expect(resolveEffective(IMAGE_OPTION_NAMES, { speed: 'relaxed' }, {}, restricted).values.speed).toBe('relaxed');
	});
});

describe('implicitSpeed', () => {
	it('is undefined without a restriction, or when every speed is allowed', () => {
		expect(implicitSpeed(server())).toBeUndefined();
		expect(implicitSpeed(server({ allowedSpeeds: ['turbo', 'fast', 'relaxed'] }))).toBeUndefined();
	});

	it('is the slowest allowed speed otherwise', () => {
		expect(implicitSpeed(server({ allowedSpeeds: ['relaxed', 'fast'] }))).toBe('relaxed');
		expect(implicitSpeed(server({ allowedSpeeds: ['turbo'] }))).toBe('turbo');
	});
});
