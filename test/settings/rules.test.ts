import { describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../../src/api/types.js';
import { describeRefusal } from '../../src/discord/refusals.js';
import { buildGenerateRequest } from '../../src/jobs/request.js';
import { applyRequestRules, checkChannel, checkRole, checkSpeed, checkTaskType } from '../../src/settings/rules.js';
import { emptyServerSettings, type ServerSettings } from '../../src/settings/types.js';

function server(changes: Partial<ServerSettings> = {}): ServerSettings {
	return { ...emptyServerSettings(), ...changes };
}

const IMAGINE: GenerateRequest = buildGenerateRequest({ kind: 'imagine', prompt: 'x', options: {} });
const VIDEO: GenerateRequest = buildGenerateRequest({
	kind: 'animate',
	prompt: 'x',
	imageUrl: 'https://e.com/a.png',
	options: {},
});

describe('checkChannel', () => {
	it('allows everywhere when no channel is listed', () => {
		expect(checkChannel(server(), '1')).toEqual({ ok: true });
	});

	it('allows listed channels and their threads, and names the channels otherwise', () => {
		const listed = server({ channels: ['10', '11'] });
		expect(checkChannel(listed, '10').ok).toBe(true);
		expect(checkChannel(listed, 'thread', '11').ok).toBe(true);
		const refused = checkChannel(listed, '12', '13');
		expect(refused).toMatchObject({ ok: false, refusal: { rule: 'channel' } });
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain('only in <#10>, <#11>');
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain('add_channel');
	});
});

describe('checkRole', () => {
	it('allows anyone without a required role, and members who have it', () => {
		expect(checkRole(server(), []).ok).toBe(true);
		expect(checkRole(server({ requiredRoleId: '7' }), ['5', '7']).ok).toBe(true);
	});

	it('names the role and the setting', () => {
		const refused = checkRole(server({ requiredRoleId: '7' }), ['5']);
		expect(refused).toMatchObject({ ok: false, refusal: { rule: 'role' } });
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain('<@&7>');
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain('`/server-settings set required_role`');
	});
});

describe('checkTaskType', () => {
	it('names the command, what is allowed, and the setting', () => {
		const refused = checkTaskType(server({ allowedTaskTypes: ['mj_txt2img'] }), 'mj_omni_reference');
		expect(!refused.ok && describeRefusal(refused.refusal)).toBe(
			'This server does not allow `omni` jobs; allowed here: `imagine`. A server admin controls this with `/server-settings set allowed_commands`.',
		);
	});

	it('suggests a standard video when only HD is refused', () => {
		const refused = checkTaskType(server({ allowedTaskTypes: ['mj_video'] }), 'mj_video_hd');
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain('without `hd`');
	});

	it('says when nothing is allowed', () => {
		const refused = checkTaskType(server({ allowedTaskTypes: [] }), 'mj_txt2img');
		expect(!refused.ok && describeRefusal(refused.refusal)).toContain('allowed here: none');
	});
});

describe('checkSpeed', () => {
	it('tells the member where a refused speed came from', () => {
		const restricted = server({ allowedSpeeds: ['relaxed'] });
		const fromMember = checkSpeed(restricted, 'turbo', 'member');
		expect(!fromMember.ok && describeRefusal(fromMember.refusal)).toContain('your own `/settings`');
		const typed = checkSpeed(restricted, 'turbo');
		expect(!typed.ok && describeRefusal(typed.refusal)).toBe(
			'This server does not allow the `turbo` speed (allowed: `relaxed`). A server admin controls this with `/server-settings set allowed_speeds`.',
		);
		expect(checkSpeed(restricted, undefined).ok).toBe(true);
	});
});

describe('applyRequestRules', () => {
	it('adds the server’s watermark, and removes one the server no longer sets', () => {
		const marked = applyRequestRules(server({ watermark: 'acme' }), { ...IMAGINE, watermark: 'old' });
		expect(marked).toMatchObject({ ok: true, request: { watermark: 'acme' } });
		const unmarked = applyRequestRules(server(), { ...IMAGINE, watermark: 'old' });
		expect(unmarked.ok && unmarked.request).not.toHaveProperty('watermark');
	});

	it('sends the slowest allowed speed for image jobs with none, and none for video', () => {
		const restricted = server({ allowedSpeeds: ['fast', 'turbo'] });
		expect(applyRequestRules(restricted, IMAGINE)).toMatchObject({ ok: true, request: { params: { speed: 'fast' } } });
		const video = applyRequestRules(restricted, VIDEO);
		expect(video.ok && 'params' in video.request && video.request.params).not.toHaveProperty('speed');
	});

	it('refuses a disallowed speed or task type rather than changing it', () => {
		const relaxedOnly = server({ allowedSpeeds: ['relaxed'] });
		const fast = buildGenerateRequest({ kind: 'imagine', prompt: 'x', options: { speed: 'fast' } });
		expect(applyRequestRules(relaxedOnly, fast, { speed: 'server' })).toMatchObject({
			ok: false,
			refusal: { rule: 'speed' },
		});
		expect(applyRequestRules(server({ allowedTaskTypes: ['mj_txt2img'] }), VIDEO)).toMatchObject({
			ok: false,
			refusal: { rule: 'task-type' },
		});
	});
});
