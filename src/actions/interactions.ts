/**
 * Buttons and modals on results. Refusals are thrown as `UserError` and answered ephemerally by the one error
 * funnel in `events/interactionCreate.ts`; they are all decided before the interaction is acknowledged.
 */
import { PermissionFlagsBits, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { extendModal, PROMPT_INPUT_ID, remixModal } from '../discord/components.js';
import { decodeActionId } from '../discord/customId.js';
import { assertFormPrompt } from '../discord/formPrompt.js';
import { assertNoProblems, validatePrompt } from '../discord/input.js';
import { memberTranslator } from '../discord/language.js';
import { t } from '../i18n/index.js';
import { promptOf } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import { UserError, type Wording } from '../userError.js';
import type { ActionDeps } from './deps.js';
import { assertMayRun } from './derive.js';
import { followUpRequest } from './followUps.js';
import { InteractionResponder, type Invocation } from './invocation.js';
import { admit, perform } from './perform.js';
import { fileAt, loadResult } from './result.js';

export const STALE_BUTTON = t('en', 'actions.staleButton');

export async function handleActionInteraction(
	deps: ActionDeps,
	interaction: ButtonInteraction | ModalSubmitInteraction,
	log: Logger,
): Promise<void> {
	const id = decodeActionId(interaction.customId);
	const message = interaction.message;
	if (!id || !message) throw UserError.localized('stale', 'actions.staleButton');
	const invocation = invocationOf(
		interaction,
		message,
		log.child({ action: id.action, jobId: id.jobId, messageId: message.id }),
	);

	if (interaction.isButton()) {
		if (id.action === 'prompt' || id.action === 'extendManual')
			throw UserError.localized('stale', 'actions.staleButton');
		if (id.action === 'remix') {
			await openRemixForm(deps, interaction, invocation, id);
			return;
		}
		if (id.action === 'extendPrompt') {
			await openExtendForm(deps, interaction, invocation, id);
			return;
		}
		await perform(deps, invocation, { ...id, action: id.action });
		return;
	}

	if ((id.action !== 'prompt' && id.action !== 'extendManual') || id.index === undefined)
		throw UserError.localized('stale', 'actions.staleButton');
	const problems: Wording[] = [];
	const prompt = validatePrompt(readPrompt(interaction), problems);
	assertNoProblems(problems);
	const guildId = interaction.guildId;
	assertFormPrompt(prompt, guildId && deps.blockedWordsFor ? await deps.blockedWordsFor(guildId) : []);
	const action = id.action === 'prompt' ? 'remix' : 'extend';
	await perform(deps, invocation, { action, jobId: id.jobId, index: id.index, prompt });
}

/** The clicking member as an action sees them: where they clicked, their permissions, how to answer them. */
function invocationOf(
	interaction: ButtonInteraction | ModalSubmitInteraction,
	message: NonNullable<ButtonInteraction['message']>,
	log: Logger,
): Invocation {
	const channelId = interaction.channelId ?? message.channelId;
	return {
		userId: interaction.user.id,
		applicationId: interaction.applicationId,
		guildId: interaction.guildId,
		channelId,
		messageId: message.id,
		locale: interaction.locale,
		guildLocale: interaction.guildLocale,
		attachments: async () => message.attachments.map((attachment) => ({ name: attachment.name, url: attachment.url })),
		canManageMessages: async () => interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
		...(interaction.guildId === null
			? {}
			: {
					server: {
						guildId: interaction.guildId,
						channelId,
						parentChannelId: interaction.channel?.isThread() ? interaction.channel.parentId : null,
						roleIds: async () => roleIdsOf(interaction),
						permissions: async () => interaction.memberPermissions?.bitfield ?? 0n,
					},
				}),
		responder: new InteractionResponder(interaction),
		log,
	};
}

/** The remix button lets the member edit the prompt first; the reaction remixes with the prompt as it was. */
async function openRemixForm(
	deps: ActionDeps,
	interaction: ButtonInteraction,
	invocation: Invocation,
	id: { jobId: string; index?: number | undefined },
): Promise<void> {
	const result = await loadResult(deps.repository, id.jobId);
	if (result.shape !== 'grid' && result.shape !== 'single')
		throw UserError.localized('not-applicable', 'actions.onlyImagesRemixed');
	const index = id.index ?? 0;
	fileAt(result, index);
	// Refused before the form opens, rather than after the member has edited the prompt.
	await assertMayRun(deps, await admit(deps, invocation, result.job), 'remix');
	await interaction.showModal(remixModal(id.jobId, index, promptOf(result.job), memberTranslator(interaction)));
}

/** Extend with prompt… opens the form with the video's prompt; refused first where the extension would be. */
async function openExtendForm(
	deps: ActionDeps,
	interaction: ButtonInteraction,
	invocation: Invocation,
	id: { jobId: string; index?: number | undefined },
): Promise<void> {
	const result = await loadResult(deps.repository, id.jobId);
	const index = id.index ?? 0;
	followUpRequest(result, { action: 'extend', index, prompt: '' });
	const acting = await admit(deps, invocation, result.job);
	await assertMayRun(deps, acting, 'extend');
	await interaction.showModal(extendModal(id.jobId, index, promptOf(result.job), memberTranslator(interaction)));
}

function readPrompt(interaction: ModalSubmitInteraction): string | undefined {
	try {
		return interaction.fields.getTextInputValue(PROMPT_INPUT_ID);
	} catch {
		// A tampered or outdated modal without the field: validatePrompt explains what is missing.
		return undefined;
	}
}

/** The member's role ids, whether discord.js gave a cached member or the raw API member. */
function roleIdsOf(interaction: ButtonInteraction | ModalSubmitInteraction): readonly string[] {
	const roles = interaction.member?.roles;
	if (!roles) return [];
	return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}
