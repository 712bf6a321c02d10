/**
 * `/jobs`: the member's running jobs and most recent ones in this server, with their state, age, queue position and
 * a link to each result. Private to the member.
 */
import { SlashCommandBuilder } from '@discordjs/builders';
import { InteractionContextType, MessageFlags } from 'discord.js';
import { memberLanguage } from '../discord/language.js';
import { describeLineage, jobName, quotePrompt } from '../discord/render.js';
import { NO_PINGS } from '../discord/respond.js';
import { discordTimestamp } from '../discord/timestamp.js';
import { translatorFor, type Language, type Translate } from '../i18n/index.js';
import { failureReason } from '../jobs/failureReason.js';
import type { JobService } from '../jobs/service.js';
import { promptOf, type JobRecord } from '../jobs/types.js';
import { UserError } from '../userError.js';
import type { Command } from './types.js';

export const JOBS_DEFAULT_COUNT = 10;
const JOBS_MAX_COUNT = 25;
/** An embed's description holds 4096 characters; the rest is left for the "more" line. */
const DESCRIPTION_BUDGET = 3900;
const PROMPT_PREVIEW = 60;

const data = new SlashCommandBuilder()
	.setName('jobs')
	.setDescription('Your running and recent Midjourney jobs in this server')
	.setContexts(InteractionContextType.Guild)
	.addIntegerOption((option) =>
		option
			.setName('count')
			.setDescription(`How many recent jobs to list (default ${JOBS_DEFAULT_COUNT}); running ones are always listed`)
			.setMinValue(1)
			.setMaxValue(JOBS_MAX_COUNT),
	);

export default {
	data,
	async execute(interaction, context) {
		if (!interaction.inGuild()) throw UserError.localized('wrong-place', 'jobs.guildOnly');
		const raw = interaction.options.data.find((option) => option.name === 'count')?.value;
		const count = raw ?? JOBS_DEFAULT_COUNT;
		if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > JOBS_MAX_COUNT) {
			throw UserError.localized('invalid-input', 'jobs.badCount', { max: JOBS_MAX_COUNT });
		}
		const language = memberLanguage(interaction);
		const translate = translatorFor(language);
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const { usage } = context.settings;
		const jobs = await usage.recentJobs(interaction.guildId, interaction.user.id, count);
		if (jobs.length === 0) {
			await interaction.editReply({ content: translate('jobs.none') });
			return;
		}
		const parents = new Map<string, JobRecord | undefined>();
		for (const job of jobs) {
			if (job.parent && !parents.has(job.parent.jobId))
				parents.set(job.parent.jobId, await usage.job(job.parent.jobId));
		}
		const lines: string[] = [];
		let used = 0;
		for (const job of jobs) {
			const line = describeJob(job, context.jobs, parents, translate, language);
			if (used + line.length + 1 > DESCRIPTION_BUDGET) break;
			lines.push(line);
			used += line.length + 1;
		}
		const running = jobs.filter((job) => job.state.phase !== 'finished').length;
		const hidden = jobs.length - lines.length;
		const footer = hidden > 0 ? translate('jobs.moreHidden', { count: hidden }) : undefined;
		await interaction.editReply({
			embeds: [
				{
					title: translate('jobs.title', { running, finished: jobs.length - running }),
					description: lines.join('\n'),
					...(footer ? { footer: { text: footer } } : {}),
				},
			],
			allowedMentions: NO_PINGS,
		});
	},
} satisfies Command;

function link(guildId: string, channelId: string, messageId: string): string {
	return `https://discord.com/channels/${guildId}/${channelId}/${messageId}`;
}

/** Where a job's message is: its delivered result, or its reply while it works. */
export function messageLink(job: JobRecord): string | undefined {
	const { guildId, channelId, messageId } = job.target;
	if (job.state.phase === 'finished' && job.state.delivery.state === 'delivered') {
		// A result sent by DM has no link in the server.
		return job.state.delivery.via === 'dm' ? undefined : link(guildId, channelId, job.state.delivery.messageId);
	}
	return messageId ? link(guildId, channelId, messageId) : undefined;
}

export function jobState(
	job: JobRecord,
	jobs: Pick<JobService, 'queuePosition'>,
	translate: Translate = translatorFor('en'),
): string {
	switch (job.state.phase) {
		case 'queued': {
			const position = jobs.queuePosition(job.id);
			return position ? translate('jobs.queuedAt', { position }) : translate('jobs.queued');
		}
		case 'submitting':
			return job.state.unknownSince === undefined ? translate('jobs.submitting') : translate('jobs.unconfirmed');
		case 'submitted':
			return translate('jobs.generating', { at: discordTimestamp(job.state.submittedAt) });
		case 'finished': {
			const { outcome, delivery } = job.state;
			if (outcome.status === 'failed') {
				// The job's language: the one its provider failures were explained in when it failed.
				const full = failureReason(outcome, job.target.language);
				const reason = full.length > 80 ? `${full.slice(0, 79)}…` : full;
				return translate('jobs.failed', { reason });
			}
			if (delivery.state === 'failed') return translate('jobs.deliveryFailed');
			if (delivery.state === 'pending') return translate('jobs.posting');
			return delivery.via === 'dm' ? translate('jobs.finishedByDm') : translate('jobs.finished');
		}
	}
}

function describeJob(
	job: JobRecord,
	jobs: Pick<JobService, 'queuePosition'>,
	parents: ReadonlyMap<string, JobRecord | undefined>,
	translate: Translate,
	language: Language,
): string {
	const prompt = Array.from(promptOf(job).replace(/\s+/g, ' '));
	const preview = prompt.length > PROMPT_PREVIEW ? `${prompt.slice(0, PROMPT_PREVIEW - 1).join('')}…` : prompt.join('');
	const parts = [
		`**${jobName(job, language)}** ${jobState(job, jobs, translate)}`,
		translate('jobs.started', { at: discordTimestamp(job.createdAt) }),
	];
	const url = messageLink(job);
	if (url) parts.push(translate('jobs.message', { url }));
	if (job.parent) {
		const parent = parents.get(job.parent.jobId);
		const parentUrl = parent ? messageLink(parent) : undefined;
		const image =
			job.parent.imageIndex === undefined ? '' : translate('jobs.imageSuffix', { number: job.parent.imageIndex + 1 });
		parts.push(
			parentUrl ? translate('jobs.fromResult', { url: parentUrl, image }) : translate('jobs.fromEarlier', { image }),
		);
		const lineage = describeLineage(job, language);
		if (lineage && job.parent.lineage) parts.push(`\`${lineage}\``);
	}
	// The member's text, escaped like every quoted prompt: no link, mention or heading inside the embed.
	return `${parts.join(' · ')}\n${quotePrompt(preview, PROMPT_PREVIEW * 3)}`;
}
