/**
 * The shared body of the five generating commands: validate what arrived, acknowledge, hand the job to `jobs`.
 */
import {
	ApplicationCommandOptionType,
	type ButtonInteraction,
	type ChatInputCommandInteraction,
	type ModalSubmitInteraction,
} from 'discord.js';
import type { GenerateRequest } from '../api/types.js';
import {
	assertNoProblems,
	validateImageSource,
	validateOptions,
	validatePrompt,
	type RawAttachment,
} from '../discord/input.js';
import { interactionHandle } from '../discord/interactionToken.js';
import { memberTranslator, serverLanguage } from '../discord/language.js';
import { renderPromptConfirmation } from '../discord/promptConfirmation.js';
import { describeRefusal } from '../discord/refusals.js';
import { answerPrivately } from '../discord/respond.js';
import { IMAGE_ATTACHMENT_OPTION, IMAGE_URL_OPTION, PROMPT_OPTION } from '../discord/slashOptions.js';
import { t, translatorFor, type Language } from '../i18n/index.js';
import { blockedWordsMatcher } from '../jobs/blockedWords.js';
import { PROMPT_SETTING_NAMES, type GenerationOptionName } from '../jobs/options.js';
import { PENDING_PROMPT_TTL_MS } from '../jobs/pendingPrompts.js';
import { checkPrompt, type FlagOptions, type PromptCheck } from '../jobs/promptFlags.js';
import { buildGenerateRequest, type JobInput, type CommandKind } from '../jobs/request.js';
import type { JobAuthorization } from '../settings/service.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { UserError, type Wording } from '../userError.js';
import { assertServerCanPay } from './serverSettingsKey.js';
import type { CommandContext } from './types.js';

/**
 * How long what decides a job (the settings, the server's rules and limits, its place under them) may take, counted
 * from when the request reached this process. Past it the store is too slow to be trusted with the job: the member is
 * told privately to come back, and the decision's grant, if any, is given back. It is more than the 2 s the server's
 * limits lock may be waited for, so that a busy server is still answered as such.
 */
export const DECISION_BUDGET_MS = 2_500;

export async function runGeneration(
	interaction: ChatInputCommandInteraction,
	context: CommandContext,
	kind: CommandKind,
	optionNames: readonly GenerationOptionName[],
): Promise<void> {
	const arrivedAt = Date.now();
	if (!interaction.inGuild()) throw UserError.localized('wrong-place', 'errors.guildOnlyGeneration');
	const raw = readRawOptions(interaction);
	await generate(interaction, context, { kind, optionNames, ...raw, confirm: true }, arrivedAt);
}

/** What a generation was asked with: the command's options as sent, or as kept while the member confirmed. */
export interface GenerationAsk {
	kind: CommandKind;
	optionNames: readonly GenerationOptionName[];
	values: Map<string, unknown>;
	attachment?: RawAttachment;
	/** Whether Midjourney parameters typed in the prompt need the member's confirmation (not yet given). */
	confirm: boolean;
}

/** An interaction in a server that can start a generation: the command, or Submit on its confirmation. */
export type GenerationInteraction = (ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction) & {
	guildId: string;
};

/**
 * Acknowledges, decides on the request, then asks the member to confirm it, or starts the job.
 *
 * Acknowledged before anything is read or decided: in a burst, every member's "thinking…" goes out before any
 * request's decision takes the event loop, and a slow store never costs an interaction its 3 s. The reply is public,
 * as it becomes the result; a refusal or a confirmation to give deletes it and is said privately (`answerPrivately`).
 */
export async function generate(
	interaction: GenerationInteraction,
	context: CommandContext,
	ask: GenerationAsk,
	arrivedAt: number = Date.now(),
): Promise<void> {
	await interaction.deferReply();
	await assertServerCanPay(interaction, context);
	const decision = decide(interaction, context, ask);
	const decided = await beforeBudget(decision, DECISION_BUDGET_MS - (Date.now() - arrivedAt));
	if (decided === LATE) {
		// The store is too slow to decide in time, so it cannot be trusted to record the job either: nothing starts.
		void decision.then(
			async (late) => (late.confirm === undefined && late.authorization.ok ? late.authorization.release() : undefined),
			() => undefined,
		);
		throw new StoreUnavailableError(`Deciding on the job took over ${DECISION_BUDGET_MS} ms`);
	}
	if (decided.confirm) {
		await askToConfirm(interaction, context, ask, decided.confirm);
		return;
	}
	const { authorization, language } = decided;
	if (!authorization.ok) {
		const refusal = authorization.refusal;
		throw new UserError('rule', (reader) =>
			t(reader, 'errors.nothingSubmitted', { reason: describeRefusal(refusal, translatorFor(reader)) }),
		);
	}
	await startJob(interaction, context, ask.kind, authorization, language);
}

/** Hands the authorized job to `jobs`; the reply, acknowledged in public, becomes the result. */
async function startJob(
	interaction: GenerationInteraction,
	context: CommandContext,
	kind: CommandKind,
	authorization: Extract<JobAuthorization, { ok: true }>,
	language: Language,
): Promise<void> {
	try {
		await context.jobs.start({
			id: authorization.jobId,
			kind,
			request: authorization.request,
			target: {
				guildId: interaction.guildId,
				channelId: interaction.channelId!,
				requesterId: interaction.user.id,
				interaction: interactionHandle(interaction),
				...(interaction.attachmentSizeLimit ? { uploadLimitBytes: interaction.attachmentSizeLimit } : {}),
				...(language === 'en' ? {} : { language }),
			},
		});
	} catch (error) {
		// Not started after all (the store refused the job): its place under the limits is given back, in the
		// background (with the store away that takes its time, and the member is owed an answer now; it never throws),
		// and the member told privately by the interaction funnel.
		void authorization.release();
		throw error;
	}
}

/** Keeps the request and shows the member what will be sent, with Submit and Edit. */
async function askToConfirm(
	interaction: GenerationInteraction,
	context: CommandContext,
	ask: GenerationAsk,
	confirm: { check: PromptCheck; request: GenerateRequest },
): Promise<void> {
	const id = await context.pendingPrompts.put({
		userId: interaction.user.id,
		guildId: interaction.guildId,
		kind: ask.kind,
		optionNames: ask.optionNames,
		values: [...ask.values.entries()],
		...(ask.attachment ? { attachment: ask.attachment } : {}),
	});
	const message = renderPromptConfirmation(memberTranslator(interaction), {
		id,
		...confirm,
		expiresInMinutes: Math.round(PENDING_PROMPT_TTL_MS / 60_000),
	});
	await answerPrivately(interaction, message);
}

const LATE = Symbol('late');

/** The decision, or {@link LATE} if it is not there within `budgetMs`. */
async function beforeBudget<T>(work: Promise<T>, budgetMs: number): Promise<T | typeof LATE> {
	let timer: NodeJS.Timeout | undefined;
	const late = new Promise<typeof LATE>((resolveLate) => {
		timer = setTimeout(() => resolveLate(LATE), Math.max(0, budgetMs));
	});
	try {
		return await Promise.race([work, late]);
	} finally {
		clearTimeout(timer);
	}
}

type Decision =
	| { confirm: { check: PromptCheck; request: GenerateRequest }; authorization?: undefined }
	| { confirm?: undefined; authorization: JobAuthorization; language: Language };

/**
 * Validates what arrived, checks the prompt, resolves the effective options and asks the server's rules and limits.
 * A prompt with Midjourney parameters in it is not authorized yet: the member confirms it first.
 */
async function decide(
	interaction: GenerationInteraction,
	context: CommandContext,
	ask: GenerationAsk,
): Promise<Decision> {
	const { kind, optionNames, values, attachment } = ask;
	if (kind === 'imagine' && attachment) values.set(IMAGE_ATTACHMENT_OPTION.name, attachment.name);
	const problems: Wording[] = [];
	const typed = validatePrompt(values.get(PROMPT_OPTION.name), problems);
	const otherOptions =
		kind === 'imagine'
			? [PROMPT_OPTION.name]
			: [PROMPT_OPTION.name, IMAGE_ATTACHMENT_OPTION.name, IMAGE_URL_OPTION.name];
	const explicit = validateOptions(optionNames, values, problems, otherOptions);
	const imageUrl =
		kind === 'imagine' ? '' : validateImageSource(attachment, values.get(IMAGE_URL_OPTION.name), problems);
	assertNoProblems(problems);

	const server = await context.settings.settings.server(interaction.guildId);
	const check = checkTypedPrompt(kind, typed, explicit, optionNames, server.blockedWords ?? []);
	const effective = await context.settings.resolveOptions(
		interaction.guildId,
		interaction.user.id,
		{ ...check.options, ...explicit },
		[...optionNames, ...PROMPT_SETTING_NAMES],
	);
	const input: JobInput =
		kind === 'imagine'
			? { kind, prompt: check.prompt, options: effective.values }
			: { kind, prompt: check.prompt, imageUrl, options: effective.values };
	const request = buildGenerateRequest(input);
	if (ask.confirm && check.changed) return { confirm: { check, request } };

	const authorization = await context.settings.authorizeJob({
		guildId: interaction.guildId,
		channelId: interaction.channelId!,
		parentChannelId: interaction.channel?.isThread() ? interaction.channel.parentId : null,
		userId: interaction.user.id,
		roleIds: memberRoleIds(interaction),
		kind,
		request,
		sources: effective.sources,
	});
	return { authorization, language: serverLanguage(interaction, server) };
}

/**
 * The prompt as it will be sent: Midjourney parameters found (to confirm), and what stops it before submission: an
 * image link in `/imagine`, nothing left once parameters are removed, a word the server blocks.
 */
function checkTypedPrompt(
	kind: CommandKind,
	typed: string,
	explicit: FlagOptions,
	optionNames: readonly GenerationOptionName[],
	blockedWords: readonly string[],
): PromptCheck {
	const check = checkPrompt(typed, explicit, optionNames);
	if (kind === 'imagine' && check.leadingImageUrls.length > 0)
		throw UserError.localized('invalid-input', 'promptCheck.imageInImagine');
	if (check.empty) throw UserError.localized('invalid-input', 'promptCheck.emptyPrompt');
	const blocked = blockedWordsMatcher(blockedWords)(typed);
	if (blocked !== undefined)
		throw UserError.localized('rule', 'promptCheck.blockedWord', { word: `\`${blocked.replaceAll('`', 'ˋ')}\`` });
	return check;
}

/** The member's role ids, whether discord.js gave a cached member or the raw API member. */
function memberRoleIds(interaction: GenerationInteraction): readonly string[] {
	const roles = interaction.member?.roles;
	if (!roles) return [];
	return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

/**
 * Reads options as sent, without discord.js's typed getters: those throw on a type mismatch, and a tampered
 * interaction deserves a clear message, not a crash.
 */
function readRawOptions(interaction: ChatInputCommandInteraction): {
	values: Map<string, unknown>;
	attachment?: RawAttachment;
} {
	const values = new Map<string, unknown>();
	let attachment: RawAttachment | undefined;
	for (const option of interaction.options.data) {
		if (option.name === IMAGE_ATTACHMENT_OPTION.name) {
			if (option.type !== ApplicationCommandOptionType.Attachment || !option.attachment) {
				throw UserError.localized('invalid-input', 'validation.imageMustBeUpload');
			}
			const { url, name, contentType, size } = option.attachment;
			attachment = { url, name, contentType, size };
			continue;
		}
		values.set(option.name, option.value);
	}
	return attachment ? { values, attachment } : { values };
}
