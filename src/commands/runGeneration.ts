/**
 * The shared body of the five generating commands: validate what arrived, acknowledge, hand the job to `jobs`.
 */
import { ApplicationCommandOptionType, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import {
	assertNoProblems,
	validateImageSource,
	validateOptions,
	validatePrompt,
	type RawAttachment,
} from '../discord/input.js';
import { interactionHandle } from '../discord/interactionToken.js';
import { describeRefusal } from '../discord/refusals.js';
import { IMAGE_ATTACHMENT_OPTION, IMAGE_URL_OPTION, PROMPT_OPTION } from '../discord/slashOptions.js';
import type { GenerationOptionName } from '../jobs/options.js';
import { buildGenerateRequest, type JobInput, type CommandKind } from '../jobs/request.js';
import type { JobAuthorization } from '../settings/service.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { UserError } from '../userError.js';
import { assertServerCanPay } from './serverSettingsKey.js';
import type { CommandContext } from './types.js';

/**
 * Discord waits 3 s for an interaction to be acknowledged. What decides a job (the settings, the server's rules and
 * limits, its place under them) is read from the store before that, so that a refusal can be private; it gets this
 * long (counted from when the command reached this process: Discord's clock is not ours), and past it the member is
 * acknowledged privately and told to come back, the decision's grant, if any, given back. It is more than the 2 s
 * the server's limits lock may be waited for, so that a busy server is still answered as such.
 */
export const DECISION_BUDGET_MS = 2_500;

export async function runGeneration(
	interaction: ChatInputCommandInteraction,
	context: CommandContext,
	kind: CommandKind,
	optionNames: readonly GenerationOptionName[],
): Promise<void> {
	const arrivedAt = Date.now();
	if (!interaction.inGuild()) {
		throw new UserError(
			'wrong-place',
			'Generation commands work in servers only: the server’s Midjourney account pays for them.',
		);
	}
	await assertServerCanPay(interaction, context);
	const decision = decide(interaction, context, kind, optionNames);
	const decided = await beforeBudget(decision, DECISION_BUDGET_MS - (Date.now() - arrivedAt));
	if (decided === LATE) {
		// The store is too slow to decide in time, so it cannot be trusted to record the job either: nothing starts.
		void decision.then(
			async ({ authorization }) => (authorization.ok ? authorization.release() : undefined),
			() => undefined,
		);
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		throw new StoreUnavailableError(`Deciding on the job took over ${DECISION_BUDGET_MS} ms`);
	}
	const { authorization } = decided;
	if (!authorization.ok)
		throw new UserError('rule', `Nothing was submitted. ${describeRefusal(authorization.refusal)}`);

	try {
		await interaction.deferReply();
		await context.jobs.start({
			id: authorization.jobId,
			kind,
			request: authorization.request,
			target: {
				guildId: interaction.guildId,
				channelId: interaction.channelId,
				requesterId: interaction.user.id,
				interaction: interactionHandle(interaction),
				...(interaction.attachmentSizeLimit ? { uploadLimitBytes: interaction.attachmentSizeLimit } : {}),
			},
		});
	} catch (error) {
		// Not started after all (Discord refused the acknowledgement, or the store the job): its place under the limits
		// is given back, in the background (with the store away that takes its time, and the member is owed an answer
		// now; it never throws), and the member told (a store failure privately: see the interaction funnel).
		void authorization.release();
		throw error;
	}
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

/** Validates what arrived, resolves the effective options and asks the server's rules and limits. */
async function decide(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
	kind: CommandKind,
	optionNames: readonly GenerationOptionName[],
): Promise<{ authorization: JobAuthorization }> {
	const { values, attachment } = readRawOptions(interaction);
	if (kind === 'imagine' && attachment) values.set(IMAGE_ATTACHMENT_OPTION.name, attachment.name);
	const problems: string[] = [];
	const prompt = validatePrompt(values.get(PROMPT_OPTION.name), problems);
	const otherOptions =
		kind === 'imagine'
			? [PROMPT_OPTION.name]
			: [PROMPT_OPTION.name, IMAGE_ATTACHMENT_OPTION.name, IMAGE_URL_OPTION.name];
	const explicit = validateOptions(optionNames, values, problems, otherOptions);
	const effective = await context.settings.resolveOptions(
		interaction.guildId,
		interaction.user.id,
		explicit,
		optionNames,
	);
	const options = effective.values;
	let input: JobInput;
	if (kind === 'imagine') {
		input = { kind, prompt, options };
	} else {
		const imageUrl = validateImageSource(attachment, values.get(IMAGE_URL_OPTION.name), problems);
		input = { kind, prompt, imageUrl, options };
	}
	assertNoProblems(problems);

	// The server's rules and limits decide before anything is acknowledged, so a refusal is private.
	const authorization = await context.settings.authorizeJob({
		guildId: interaction.guildId,
		channelId: interaction.channelId,
		parentChannelId: interaction.channel?.isThread() ? interaction.channel.parentId : null,
		userId: interaction.user.id,
		roleIds: memberRoleIds(interaction),
		kind,
		request: buildGenerateRequest(input),
		sources: effective.sources,
	});
	return { authorization };
}

/** The member's role ids, whether discord.js gave a cached member or the raw API member. */
function memberRoleIds(interaction: ChatInputCommandInteraction<'cached' | 'raw'>): readonly string[] {
	const { roles } = interaction.member;
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
				throw new UserError('invalid-input', `\`${IMAGE_ATTACHMENT_OPTION.name}\` must be an uploaded file.`);
			}
			const { url, name, contentType, size } = option.attachment;
			attachment = { url, name, contentType, size };
			continue;
		}
		values.set(option.name, option.value);
	}
	return attachment ? { values, attachment } : { values };
}
