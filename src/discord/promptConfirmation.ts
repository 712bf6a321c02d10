/**
 * The confirmation a member sees when their prompt carried Midjourney parameters: what the bot understood, what it
 * removed, and exactly what will be sent, with Submit and Edit. Pure functions; the custom ids name the pending
 * request in the store, so the buttons work after a restart.
 */
import {
	ButtonStyle,
	ComponentType,
	type APIActionRowComponent,
	type APIButtonComponentWithCustomId,
	type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import type { GenerateRequest } from '../api/types.js';
import type { Translate } from '../i18n/index.js';
import type { PromptCheck } from '../jobs/promptFlags.js';
import { promptModal } from './components.js';
import { describeParameters, quotePrompt } from './render.js';
import { MESSAGE_CONTENT_LIMIT } from './respond.js';

export const PROMPT_CONFIRM_ACTIONS = ['submit', 'edit', 'form'] as const;
export type PromptConfirmAction = (typeof PROMPT_CONFIRM_ACTIONS)[number];

const PREFIX = 'mjp';
const PATTERN = /^mjp:(submit|edit|form):([\w-]{1,64})$/;

export function encodePromptConfirmId(action: PromptConfirmAction, id: string): string {
	return `${PREFIX}:${action}:${id}`;
}

/** Whether a custom id belongs to a prompt confirmation (not to a result's buttons). */
export function isPromptConfirmId(customId: string): boolean {
	return customId.startsWith(`${PREFIX}:`);
}

export function decodePromptConfirmId(customId: string): { action: PromptConfirmAction; id: string } | undefined {
	const match = PATTERN.exec(customId);
	return match ? { action: match[1] as PromptConfirmAction, id: match[2]! } : undefined;
}

/** The flags' value as typed: `--ar 16:x` → `16:x`. */
function valueOf(text: string): string {
	return text.split(/\s+/).slice(1).join(' ');
}

/** One line per thing the checker did with the prompt. */
export function describeCheck(t: Translate, check: PromptCheck, leadingLinksRemoved: boolean): string[] {
	const lines = [
		...check.applied.map((flag) =>
			t('promptCheck.flagApplied', { flag: flag.text, option: flag.option, value: String(flag.value) }),
		),
		...check.overridden.map((flag) =>
			t('promptCheck.explicitWins', { flag: flag.text, option: flag.option, value: String(flag.explicit) }),
		),
		...check.invalid.map((flag) => t('promptCheck.invalid', { flag: flag.flag, value: valueOf(flag.text) })),
	];
	if (check.unsupported.length > 0) {
		const flags = check.unsupported.map((flag) => `\`${flag.text.replaceAll('`', 'ˋ')}\``).join(', ');
		lines.push(t('promptCheck.unsupported', { flags }));
	}
	if (leadingLinksRemoved && check.leadingImageUrls.length > 0) {
		lines.push(t('promptCheck.imageLinks', { links: check.leadingImageUrls.map((url) => `<${url}>`).join(' ') }));
	}
	return lines.map((line) => `• ${line}`);
}

export interface PromptConfirmation {
	content: string;
	components: Array<APIActionRowComponent<APIButtonComponentWithCustomId>>;
}

export function renderPromptConfirmation(
	t: Translate,
	input: { id: string; check: PromptCheck; request: GenerateRequest; expiresInMinutes: number },
): PromptConfirmation {
	const head = [`**${t('promptCheck.title')}**`, ...describeCheck(t, input.check, true), t('promptCheck.willSend')];
	const tail = [
		t('promptCheck.parameters', { parameters: describeParameters(input.request, t) }),
		t('promptCheck.expiresNote', { count: input.expiresInMinutes }),
	];
	const budget = Math.max(40, MESSAGE_CONTENT_LIMIT - head.join('\n').length - tail.join('\n').length - 40);
	const prompt = t('promptCheck.prompt', { prompt: `\n${quotePrompt(input.request.prompt, budget)}` });
	return {
		content: [...head, prompt, ...tail].join('\n').slice(0, MESSAGE_CONTENT_LIMIT),
		components: [
			{
				type: ComponentType.ActionRow,
				components: [
					{
						type: ComponentType.Button,
						style: ButtonStyle.Primary,
						custom_id: encodePromptConfirmId('submit', input.id),
						label: t('promptCheck.submit'),
					},
					{
						type: ComponentType.Button,
						style: ButtonStyle.Secondary,
						custom_id: encodePromptConfirmId('edit', input.id),
						label: t('promptCheck.edit'),
					},
				],
			},
		],
	};
}

/** The Edit form: the prompt as the member typed it, to correct. */
export function promptEditModal(t: Translate, id: string, prompt: string): APIModalInteractionResponseCallbackData {
	return promptModal({
		customId: encodePromptConfirmId('form', id),
		title: t('promptCheck.editTitle'),
		label: t('promptCheck.editLabel'),
		prompt,
	});
}
