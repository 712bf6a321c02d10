import { describe, expect, it } from 'vitest';
import { needsPickFirst, reactionMeaning } from '../../src/actions/emoji.js';
import { actionForEmoji, normalizeEmoji, parseEmoji } from '../../src/discord/emoji.js';
import { ACTION_EMOJI } from '../../src/settings/actionEmoji.js';

const unicode = (name: string) => ({ id: null, name });

describe('actionForEmoji', () => {
	it('maps the keycaps to picks and the other emoji to their actions', () => {
		expect(actionForEmoji(unicode('1️⃣'))).toStrictEqual({ action: 'pick', index: 0 });
		expect(actionForEmoji(unicode('4️⃣'))).toStrictEqual({ action: 'pick', index: 3 });
		expect(actionForEmoji(unicode('🎨'))).toStrictEqual({ action: 'remix' });
		expect(actionForEmoji(unicode('🎬'))).toStrictEqual({ action: 'animate' });
		expect(actionForEmoji(unicode('🔁'))).toStrictEqual({ action: 'reroll' });
		expect(actionForEmoji(unicode('❌'))).toStrictEqual({ action: 'delete' });
		expect(actionForEmoji(unicode('✉️'))).toStrictEqual({ action: 'dm' });
	});

	it('accepts emoji with or without the variation selector', () => {
		expect(actionForEmoji(unicode('✉'))).toStrictEqual({ action: 'dm' });
		expect(actionForEmoji(unicode('1⃣'))).toStrictEqual({ action: 'pick', index: 0 });
		expect(normalizeEmoji('✉️')).toBe('✉');
	});

	it('means nothing for other emoji, 5️⃣ and custom emoji named like ours', () => {
		for (const emoji of [unicode('👍'), unicode('5️⃣'), unicode('🔄'), { id: '123456789012345678', name: 'art' }]) {
			expect(actionForEmoji(emoji)).toBeUndefined();
		}
		expect(actionForEmoji({ id: '123456789012345678', name: '🎨' })).toBeUndefined();
		expect(actionForEmoji({ id: null, name: null })).toBeUndefined();
	});
});

describe('a server’s own emoji', () => {
	const set = { ...ACTION_EMOJI, reroll: '🔄', dm: '<:mail:123456789012345678>' };

	it('replace the defaults for their actions', () => {
		expect(actionForEmoji(unicode('🔄'), set)).toStrictEqual({ action: 'reroll' });
		expect(actionForEmoji(unicode('🔁'), set)).toBeUndefined();
		expect(actionForEmoji({ id: '123456789012345678', name: 'mail' }, set)).toStrictEqual({ action: 'dm' });
		expect(actionForEmoji(unicode('✉️'), set)).toBeUndefined();
		expect(actionForEmoji(unicode('🎨'), set)).toStrictEqual({ action: 'remix' });
	});

	it('are parsed into what buttons and reactions carry', () => {
		expect(parseEmoji('<:mail:123456789012345678>')).toStrictEqual({ id: '123456789012345678', name: 'mail' });
		expect(parseEmoji('<a:spin:123456789012345678>')).toStrictEqual({ id: '123456789012345678', name: 'spin' });
		expect(parseEmoji('🔄')).toStrictEqual({ id: null, name: '🔄' });
	});
});

describe('reactionMeaning', () => {
	const job = { type: 'job', jobId: 'J' } as const;
	const pick = { type: 'pick', jobId: 'J', index: 2 } as const;
	const grid = { shape: 'grid', fileCount: 4 } as const;
	const single = { shape: 'single', fileCount: 1 } as const;
	const video = { shape: 'video', fileCount: 2 } as const;

	it('picks from grids only, within the images they have', () => {
		expect(reactionMeaning({ action: 'pick', index: 1 }, job, grid)).toStrictEqual({ action: 'pick', index: 1 });
		expect(reactionMeaning({ action: 'pick', index: 3 }, job, { shape: 'grid', fileCount: 2 })).toBeUndefined();
		expect(reactionMeaning({ action: 'pick', index: 0 }, job, single)).toBeUndefined();
		expect(reactionMeaning({ action: 'pick', index: 0 }, pick, grid)).toBeUndefined();
	});

	it('remixes and animates a single image or a picked one, never a grid or a video', () => {
		expect(reactionMeaning({ action: 'remix' }, job, single)).toStrictEqual({ action: 'remix', index: 0 });
		expect(reactionMeaning({ action: 'animate' }, pick, grid)).toStrictEqual({ action: 'animate', index: 2 });
		expect(reactionMeaning({ action: 'remix' }, job, grid)).toBeUndefined();
		expect(reactionMeaning({ action: 'animate' }, job, video)).toBeUndefined();
	});

	it('varies and upscales a picked image; on a grid names no image, so the member is told to pick first', () => {
		for (const action of ['vary', 'upscale'] as const) {
			expect(reactionMeaning({ action }, pick, grid)).toStrictEqual({ action, index: 2 });
			const onGrid = reactionMeaning({ action }, job, grid)!;
			expect(onGrid).toStrictEqual({ action });
			expect(needsPickFirst(onGrid)).toBe(true);
			expect(needsPickFirst({ action, index: 0 })).toBe(false);
			expect(reactionMeaning({ action }, job, video)).toBeUndefined();
		}
		expect(needsPickFirst({ action: 'reroll' })).toBe(false);
	});

	it('rerolls, deletes and DMs anything, naming the picked image on a pick', () => {
		for (const action of ['reroll', 'delete', 'dm'] as const) {
			expect(reactionMeaning({ action }, job, video)).toStrictEqual({ action });
			expect(reactionMeaning({ action }, pick, grid)).toStrictEqual({ action, index: 2 });
			// Deleting does not need the job: a moderator can remove a result whose record is gone.
			expect(reactionMeaning({ action }, job, undefined)).toStrictEqual({ action });
		}
	});
});
