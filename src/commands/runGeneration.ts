/**
 * The shared body of the five generating commands: validate what arrived, acknowledge, hand the job to `jobs`.
 */
import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from 'discord.js';
import { UserError } from '../jobs/errors.js';
import {
	IMAGE_ATTACHMENT_OPTION,
	IMAGE_URL_OPTION,
	PROMPT_OPTION,
	type GenerationOptionName,
} from '../jobs/options.js';
import { buildGenerateRequest, type JobInput, type JobKind } from '../jobs/request.js';
import {
	assertNoProblems,
	validateImageSource,
	validateOptions,
	validatePrompt,
	type RawAttachment,
} from '../jobs/validate.js';
import type { CommandContext } from './types.js';

/** Interaction tokens are valid for 15 minutes from the interaction's creation. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;

export async function runGeneration(
	interaction: ChatInputCommandInteraction,
	context: CommandContext,
	kind: JobKind,
	optionNames: readonly GenerationOptionName[],
): Promise<void> {
	if (!interaction.inGuild()) {
		throw new UserError('Generation commands work in servers only: the server’s Midjourney account pays for them.');
	}
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
	if (!authorization.ok) throw new UserError(`Nothing was submitted. ${authorization.message}`);

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
				interaction: {
					applicationId: interaction.applicationId,
					token: interaction.token,
					expiresAt: interaction.createdTimestamp + INTERACTION_TOKEN_LIFETIME_MS,
				},
				...(interaction.attachmentSizeLimit ? { uploadLimitBytes: interaction.attachmentSizeLimit } : {}),
			},
		});
	} catch (error) {
		// Not started after all (Discord refused the acknowledgement, say): its place under the limits is given back.
		await authorization.release();
		throw error;
	}
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
				throw new UserError(`\`${IMAGE_ATTACHMENT_OPTION.name}\` must be an uploaded file.`);
			}
			const { url, name, contentType, size } = option.attachment;
			attachment = { url, name, contentType, size };
			continue;
		}
		values.set(option.name, option.value);
	}
	return attachment ? { values, attachment } : { values };
}
