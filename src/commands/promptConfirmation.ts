/**
 * Submit and Edit on a prompt confirmation. The request is read back from the store (so the buttons work after a
 * restart); Submit takes it once and starts it as the command would have; Edit opens the prompt form, whose new
 * prompt is checked again from the start.
 */
import type { ButtonInteraction, ModalSubmitInteraction } from 'discord.js';
import { PROMPT_INPUT_ID } from '../discord/components.js';
import { memberTranslator } from '../discord/language.js';
import { decodePromptConfirmId, promptEditModal } from '../discord/promptConfirmation.js';
import { PROMPT_OPTION } from '../discord/slashOptions.js';
import type { PendingPrompt } from '../jobs/pendingPrompts.js';
import { UserError } from '../userError.js';
import { generate, type GenerationInteraction } from './runGeneration.js';
import type { CommandContext } from './types.js';

export async function handlePromptConfirmation(
	interaction: ButtonInteraction | ModalSubmitInteraction,
	context: CommandContext,
): Promise<void> {
	const arrivedAt = Date.now();
	const decoded = decodePromptConfirmId(interaction.customId);
	if (!decoded || !interaction.inGuild()) throw UserError.localized('stale', 'promptCheck.expired');
	const pending = await context.pendingPrompts.get(decoded.id);
	if (!pending) throw UserError.localized('stale', 'promptCheck.expired');
	if (pending.userId !== interaction.user.id) throw UserError.localized('not-permitted', 'promptCheck.notYours');
	const guildInteraction = interaction as GenerationInteraction;

	if (decoded.action === 'edit' && interaction.isButton()) {
		const typed = new Map(pending.values).get(PROMPT_OPTION.name);
		await interaction.showModal(
			promptEditModal(memberTranslator(interaction), pending.id, typeof typed === 'string' ? typed : ''),
		);
		return;
	}
	const taken = await context.pendingPrompts.take(pending.id);
	if (!taken) throw UserError.localized('stale', 'promptCheck.expired');
	if (decoded.action === 'submit') {
		await generate(guildInteraction, context, askOf(taken, false), arrivedAt);
		return;
	}
	if (decoded.action === 'form' && interaction.isModalSubmit()) {
		const values = new Map(taken.values);
		values.set(PROMPT_OPTION.name, readPrompt(interaction));
		await generate(guildInteraction, context, { ...askOf(taken, true), values }, arrivedAt);
		return;
	}
	throw UserError.localized('stale', 'promptCheck.expired');
}

function askOf(pending: PendingPrompt, confirm: boolean): Parameters<typeof generate>[2] {
	return {
		kind: pending.kind,
		optionNames: pending.optionNames,
		values: new Map(pending.values),
		...(pending.attachment ? { attachment: pending.attachment } : {}),
		confirm,
	};
}

function readPrompt(interaction: ModalSubmitInteraction): string | undefined {
	try {
		return interaction.fields.getTextInputValue(PROMPT_INPUT_ID);
	} catch {
		// A tampered form without the field: the prompt check says what is missing.
		return undefined;
	}
}
