/**
 * `/server-settings api_key`: a server brings its own Midjourney key. A form takes it, private to the admin; it is
 * checked against the provider's credits endpoint before it is saved, stored encrypted, and never shown again, only
 * its last four characters. `remove:true` forgets it.
 */
import {
	ActionRowBuilder,
	MessageFlags,
	ModalBuilder,
	PermissionFlagsBits,
	TextInputBuilder,
	TextInputStyle,
	type ChatInputCommandInteraction,
	type ModalSubmitInteraction,
} from 'discord.js';
import { MjApiError } from '../api/errors.js';
import { NO_PINGS } from '../discord/respond.js';
import { discordTimestamp } from '../discord/timestamp.js';
import { replyLanguage, t, type Language } from '../i18n/index.js';
import { protectSecrets } from '../logger.js';
import type { Spending } from '../settings/budget.js';
import type { ServerKeys } from '../settings/serverKeys.js';
import { UserError } from '../userError.js';
import type { CommandContext } from './types.js';

/** The form's custom id: routed here by the interaction handler. */
export const SERVER_KEY_MODAL_ID = 'server-settings:api_key';
const KEY_FIELD_ID = 'api_key';
/** Longer than any provider key; a paste of something else is refused by the provider's check. */
const KEY_MAX_LENGTH = 200;

type Repliable = ChatInputCommandInteraction | ModalSubmitInteraction;

function languageOf(interaction: Repliable): Language {
	return replyLanguage(interaction.locale, { guildLocale: interaction.guildLocale });
}

/** The vault, or a refusal telling the admin the operator must set the encryption key first. */
function keysOrRefuse(context: CommandContext, interaction: Repliable): ServerKeys {
	if (!context.keys?.enabled) {
		throw new UserError('unavailable', t(languageOf(interaction), 'serverKey.needsEncryptionKey'));
	}
	return context.keys;
}

/** `/server-settings api_key [remove]`: opens the form, or removes the key. Answers before any deferral. */
export async function apiKeyCommand(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
	remove: boolean,
): Promise<void> {
	const keys = keysOrRefuse(context, interaction);
	const language = languageOf(interaction);
	if (remove) {
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const removed = await keys.remove(interaction.guildId);
		context.logger.info({ removed }, 'Server key removed');
		const content = t(language, removed ? 'serverKey.removed' : 'serverKey.noneToRemove');
		await interaction.editReply({ content, allowedMentions: NO_PINGS });
		return;
	}
	const field = new TextInputBuilder()
		.setCustomId(KEY_FIELD_ID)
		.setLabel(t(language, 'serverKey.modalLabel'))
		.setStyle(TextInputStyle.Short)
		.setRequired(true)
		.setMaxLength(KEY_MAX_LENGTH);
	const modal = new ModalBuilder()
		.setCustomId(SERVER_KEY_MODAL_ID)
		.setTitle(t(language, 'serverKey.modalTitle'))
		.addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(field));
	await interaction.showModal(modal);
}

/** The form came back: the key is checked with the provider, then saved. */
export async function handleServerKeyModal(
	interaction: ModalSubmitInteraction,
	context: CommandContext,
): Promise<void> {
	if (!interaction.inGuild())
		throw new UserError('wrong-place', t(languageOf(interaction), 'serverSettings.guildOnly'));
	if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
		throw new UserError('not-permitted', t(languageOf(interaction), 'serverSettings.manageServerOnly'));
	}
	const apiKey = interaction.fields.getTextInputValue(KEY_FIELD_ID).trim();
	// From here on, the key never reaches a log line.
	protectSecrets(context.logger, [apiKey]);
	const keys = keysOrRefuse(context, interaction);
	const language = languageOf(interaction);
	await interaction.deferReply({ flags: MessageFlags.Ephemeral });
	let credits: number;
	try {
		credits = await context.api.getCredits(apiKey);
	} catch (error) {
		if (!(error instanceof MjApiError)) throw error;
		context.logger.info({ failure: error.failure.kind, code: error.code }, 'A server key failed its check');
		const content =
			error.outcome === 'answered'
				? t(language, 'serverKey.rejected', { reason: error.failure.message })
				: t(language, 'serverKey.uncheckable');
		await interaction.editReply({ content, allowedMentions: NO_PINGS });
		return;
	}
	const info = await keys.set(interaction.guildId, apiKey, interaction.user.id);
	context.logger.info({ keyId: info.keyId }, 'Server key set');
	await interaction.editReply({
		content: t(language, 'serverKey.saved', { last4: info.last4, credits }),
		allowedMentions: NO_PINGS,
	});
}

/**
 * Refuses a job before anything is acknowledged when its server cannot pay for it: the operator requires servers'
 * own keys and this one has none, or the provider refused the server's key. (A job started otherwise is told at
 * submission.)
 */
export async function assertServerCanPay(
	interaction: { guildId: string; locale: string; guildLocale: string | null },
	context: CommandContext,
): Promise<void> {
	const key = await context.keys?.forGuild(interaction.guildId);
	if (key !== 'missing' && key !== 'paused') return;
	const message = key === 'missing' ? 'serverKey.missingRefusal' : 'serverKey.pausedRefusal';
	const language = replyLanguage(interaction.locale, { guildLocale: interaction.guildLocale });
	throw new UserError('rule', t(language, message));
}

/** The server's own key, when its jobs use one: its credit look-ups use it too. */
export async function ownApiKey(context: CommandContext, guildId: string): Promise<string | undefined> {
	const key = await context.keys?.forGuild(guildId);
	return typeof key === 'object' ? key.apiKey : undefined;
}

/** The key's line of `/server-settings show`: whose key pays, and whether the provider refused it. */
export async function describeServerKey(context: CommandContext, guildId: string, language: Language): Promise<string> {
	const info = await context.keys?.info(guildId);
	if (!info) {
		const required = (await context.keys?.forGuild(guildId)) === 'missing';
		return t(language, required ? 'serverKey.showRequired' : 'serverKey.showDefault');
	}
	return t(language, 'serverKey.show', {
		last4: info.last4,
		setAt: discordTimestamp(info.setAt),
		setBy: `<@${info.setBy}>`,
		refused: info.refused ? t(language, 'serverKey.showRefused') : '',
	});
}

/** Whether any budget is set: spending is counted (and worth showing) from then on. */
export function hasBudget(spending: Spending): boolean {
	return [spending.serverDay, spending.serverMonth, spending.memberDay].some((period) => period?.budget !== undefined);
}

/** Spent, remaining and reset times of a server's budgets: a line of `/server-settings show` (and of `/info`). */
export function spendingSummary(spending: Spending, language: Language): string {
	const period = (figures: Spending['serverDay'], setting: string): string =>
		figures.budget === undefined
			? t(language, 'serverSettings.spendingUnbudgeted', { spent: figures.spent, setting })
			: t(language, 'serverSettings.spendingBudget', {
					spent: figures.spent,
					budget: figures.budget,
					remaining: figures.remaining ?? 0,
					setting,
					resetsAt: discordTimestamp(figures.resetsAt),
				});
	const member = spending.memberDay?.budget;
	return t(language, 'serverSettings.spending', {
		day: period(spending.serverDay, 'daily_budget'),
		month: period(spending.serverMonth, 'monthly_budget'),
		member:
			member === undefined
				? t(language, 'serverSettings.memberUnbudgeted')
				: t(language, 'serverSettings.memberBudget', { budget: member }),
	});
}
