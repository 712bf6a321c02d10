import { ComponentType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
	appendLine,
	pickComponents,
	reactionHint,
	remixModal,
	resultComponents,
	withResultActions,
	withoutActions,
	type ButtonRow,
} from '../../src/discord/components.js';
import { decodeActionId } from '../../src/discord/customId.js';
import { NO_PINGS } from '../../src/discord/respond.js';
import { ACTION_EMOJI } from '../../src/settings/actionEmoji.js';
import { finishedJob, JOB_ID, VIDEO } from '../actions/fixtures.js';

const idsOf = (rows: ButtonRow[] | undefined) => (rows ?? []).map((row) => row.components.map((b) => b.custom_id));

describe('result buttons', () => {
	it('grid: U1–U4 pick on the first row, V1–V4 vary on the second, then reroll and delete', () => {
		const rows = resultComponents(JOB_ID, 'grid', 4);
		expect(idsOf(rows)).toStrictEqual([
			[1, 2, 3, 4].map((n) => `mj:pick:${JOB_ID}:${n}`),
			[1, 2, 3, 4].map((n) => `mj:vary:${JOB_ID}:${n}`),
			[`mj:reroll:${JOB_ID}`, `mj:delete:${JOB_ID}`],
		]);
		expect(rows.slice(0, 2).map((row) => row.components.map((button) => button.label))).toStrictEqual([
			['U1', 'U2', 'U3', 'U4'],
			['V1', 'V2', 'V3', 'V4'],
		]);
	});

	it('single image: Upscale, Vary, Remix, Animate, delete; a pick’s buttons name its image', () => {
		expect(idsOf(resultComponents(JOB_ID, 'single', 1))).toStrictEqual([
			[
				`mj:upscale:${JOB_ID}:1`,
				`mj:vary:${JOB_ID}:1`,
				`mj:remix:${JOB_ID}:1`,
				`mj:animate:${JOB_ID}:1`,
				`mj:delete:${JOB_ID}`,
			],
		]);
		expect(idsOf(pickComponents(JOB_ID, 2))).toStrictEqual([
			[
				`mj:upscale:${JOB_ID}:3`,
				`mj:vary:${JOB_ID}:3`,
				`mj:remix:${JOB_ID}:3`,
				`mj:animate:${JOB_ID}:3`,
				`mj:delete:${JOB_ID}:3`,
			],
		]);
	});

	it('upscaled image: Animate, Remix, delete (no upscale or vary of an upscale)', () => {
		expect(idsOf(resultComponents(JOB_ID, 'upscaled', 1))).toStrictEqual([
			[`mj:animate:${JOB_ID}:1`, `mj:remix:${JOB_ID}:1`, `mj:delete:${JOB_ID}`],
		]);
	});

	it('video: Extend and Extend with prompt… per video of the batch, then reroll and delete', () => {
		const rows = resultComponents(JOB_ID, 'video', 2);
		expect(idsOf(rows)).toStrictEqual([
			[`mj:extend:${JOB_ID}:1`, `mj:extendPrompt:${JOB_ID}:1`],
			[`mj:extend:${JOB_ID}:2`, `mj:extendPrompt:${JOB_ID}:2`],
			[`mj:reroll:${JOB_ID}`, `mj:delete:${JOB_ID}`],
		]);
		expect(rows[1]?.components.map((button) => button.label)).toStrictEqual(['Extend 2', 'Extend 2 with prompt…']);
		expect(resultComponents(JOB_ID, 'video', 1)[0]?.components.map((button) => button.label)).toStrictEqual([
			'Extend',
			'Extend with prompt…',
		]);
	});

	it('every button is a decodable custom id within Discord’s limits (≤ 5 per row, ≤ 100 chars)', () => {
		for (const rows of [
			resultComponents(JOB_ID, 'grid', 4),
			resultComponents(JOB_ID, 'single', 1),
			resultComponents(JOB_ID, 'upscaled', 1),
			resultComponents(JOB_ID, 'video', 4),
			pickComponents(JOB_ID, 3),
		]) {
			expect(rows.length).toBeLessThanOrEqual(5);
			for (const row of rows) {
				expect(row.type).toBe(ComponentType.ActionRow);
				expect(row.components.length).toBeLessThanOrEqual(5);
				for (const button of row.components) {
					expect(button.custom_id.length).toBeLessThanOrEqual(100);
					expect(decodeActionId(button.custom_id)).toBeDefined();
					expect(button.label ?? button.emoji?.name).toBeTruthy();
				}
			}
		}
	});
});

describe('a server’s own emoji', () => {
	it('appear on the buttons and in the hint', () => {
		const set = { ...ACTION_EMOJI, reroll: '<:spin:123456789012345678>', delete: '🗑️' };
		const [, , common] = resultComponents(JOB_ID, 'grid', 4, set);
		expect(common?.components.map((button) => button.emoji)).toStrictEqual([
			{ id: '123456789012345678', name: 'spin' },
			{ name: '🗑️' },
		]);
		expect(reactionHint('empty', 1, set)).toBe('-# React <:spin:123456789012345678> reroll · 🗑️ delete · ✉️ DM me');
		expect(reactionHint('video', 1, set)).toBe(
			'-# React ⏩ extend · <:spin:123456789012345678> reroll · 🗑️ delete · ✉️ DM me',
		);
		expect(reactionHint('grid', 4, { ...set, vary: '🌀' })).toContain(
			'(then 🌀 vary or ⬆️ upscale on the picked image)',
		);
	});
});

describe('withResultActions', () => {
	const rendered = { content: '✅ **/imagine** done', allowed_mentions: NO_PINGS };

	it('adds buttons and the reaction hint to a succeeded result', () => {
		const message = withResultActions(finishedJob(), rendered);
		expect(message.content).toBe(`✅ **/imagine** done\n${reactionHint('grid')}`);
		expect(idsOf(message.components)[0]).toHaveLength(4);
		expect(withResultActions(finishedJob({ request: VIDEO, count: 1 }), rendered).content).toContain('🔁 reroll');
	});

	it('gives a failure only a Try again button, and no reaction hint', () => {
		const failed = finishedJob({ outcome: { status: 'failed', reason: 'no' } });
		const withActions = withResultActions(failed, rendered);
		expect(withActions.content).toBe(rendered.content);
		const buttons = (withActions.components ?? []).flatMap((row) => row.components);
		expect(buttons).toHaveLength(1);
		expect(buttons[0]).toMatchObject({ label: 'Try again', custom_id: `mj:reroll:${failed.id}` });
	});

	it('drops the hint rather than exceed 2000 characters', () => {
		const long = 'x'.repeat(1990);
		expect(appendLine(long, reactionHint('grid'))).toBe(long);
		expect(withResultActions(finishedJob(), { ...rendered, content: long }).content).toBe(long);
	});
});

describe('withoutActions', () => {
	const rendered = { content: 'result', allowed_mentions: NO_PINGS };

	it('clears the buttons (an edit keeps those it does not mention) and names the job', () => {
		const message = withoutActions(finishedJob(), rendered);
		expect(message.components).toStrictEqual([]);
		expect(message.content).toBe(`result\n-# Job \`${JOB_ID}\` · its buttons could not be shown here`);
	});

	it('keeps the line naming the job even when the content is full', () => {
		const message = withoutActions(finishedJob(), { ...rendered, content: 'x'.repeat(2000) });
		expect(message.content.length).toBeLessThanOrEqual(2000);
		expect(message.content).toContain(`-# Job \`${JOB_ID}\``);
	});
});

describe('remixModal', () => {
	it('prefills the prompt, limited to the API’s 2000 characters, under a 45-character title', () => {
		const modal = remixModal(JOB_ID, 1, 'a lighthouse');
		expect(modal.custom_id).toBe(`mj:prompt:${JOB_ID}:2`);
		expect(modal.title.length).toBeLessThanOrEqual(45);
		expect(modal.components[0]).toMatchObject({
			type: ComponentType.Label,
			component: { type: ComponentType.TextInput, custom_id: 'prompt', value: 'a lighthouse', max_length: 2000 },
		});
	});
});
