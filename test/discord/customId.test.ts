import { describe, expect, it } from 'vitest';
import { CUSTOM_ID_MAX_LENGTH, RESULT_ACTIONS, decodeActionId, encodeActionId } from '../../src/discord/customId.js';

/** Job ids are 12 random bytes in base64url: 16 characters of [A-Za-z0-9_-]. */
const JOB_ID = 'Ab3-_xYz09QwErTy';

describe('result action custom ids', () => {
	it('round-trips every action, with and without an image', () => {
		for (const action of RESULT_ACTIONS) {
			for (const index of [undefined, 0, 3]) {
				const id = encodeActionId({ action, jobId: JOB_ID, ...(index === undefined ? {} : { index }) });
				expect(id.length).toBeLessThanOrEqual(CUSTOM_ID_MAX_LENGTH);
				expect(decodeActionId(id)).toStrictEqual({ action, jobId: JOB_ID, ...(index === undefined ? {} : { index }) });
			}
		}
	});

	it('numbers images from 1 as members see them', () => {
		expect(encodeActionId({ action: 'pick', jobId: JOB_ID, index: 1 })).toBe(`mj:pick:${JOB_ID}:2`);
	});

	it('rejects what is not one of ours or has been tampered with', () => {
		for (const id of [
			'',
			'U1',
			`mj:zoom:${JOB_ID}:1`,
			`mj:pick:${JOB_ID}:0`,
			`mj:pick:${JOB_ID}:x`,
			`mj:pick:${JOB_ID}:1:2`,
			`mj:pick:../../etc:1`,
			`xx:pick:${JOB_ID}:1`,
			`mj:pick::1`,
		]) {
			expect(decodeActionId(id), id).toBeUndefined();
		}
	});

	it('refuses to encode ids that could not be decoded', () => {
		expect(() => encodeActionId({ action: 'pick', jobId: 'not a job id' })).toThrow();
		expect(() => encodeActionId({ action: 'pick', jobId: JOB_ID, index: -1 })).toThrow();
		expect(() => encodeActionId({ action: 'pick', jobId: 'a'.repeat(100) })).toThrow();
	});
});
