/**
 * `/jobs`: the member's running jobs and most recent ones in this server, with their state, age, queue position and
 * a link to each result. Private to the member.
 */
import { SlashCommandBuilder } from '@discordjs/builders';
import { InteractionContextType, MessageFlags } from 'discord.js';
import { describeLineage, jobName, quotePrompt } from '../discord/render.js';
import { NO_PINGS } from '../discord/respond.js';
import { discordTimestamp } from '../discord/timestamp.js';
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
		if (!interaction.inGuild()) throw new UserError('wrong-place', 'Jobs belong to a server: use `/jobs` in one.');
		const raw = interaction.options.data.find((option) => option.name === 'count')?.value;
		const count = raw ?? JOBS_DEFAULT_COUNT;
		if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > JOBS_MAX_COUNT) {
			throw new UserError('invalid-input', `\`count\` must be a whole number from 1 to ${JOBS_MAX_COUNT}.`);
		}
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const { usage } = context.settings;
		const jobs = await usage.recentJobs(interaction.guildId, interaction.user.id, count);
		if (jobs.length === 0) {
			await interaction.editReply({ content: 'You have no jobs in this server yet. Start one with `/imagine`.' });
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
			const line = describeJob(job, context.jobs, parents);
			if (used + line.length + 1 > DESCRIPTION_BUDGET) break;
			lines.push(line);
			used += line.length + 1;
		}
		const running = jobs.filter((job) => job.state.phase !== 'finished').length;
		const hidden = jobs.length - lines.length;
		const footer = hidden > 0 ? `${hidden} more not shown: ask for fewer with \`count\`.` : undefined;
		await interaction.editReply({
			embeds: [
				{
					title: `Your jobs: ${running} running, ${jobs.length - running} finished`,
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

export function jobState(job: JobRecord, jobs: Pick<JobService, 'queuePosition'>): string {
	switch (job.state.phase) {
		case 'queued': {
			const position = jobs.queuePosition(job.id);
			return position ? `🕒 queued, position ${position}` : '🕒 queued';
		}
		case 'submitting':
			return job.state.unknownSince === undefined
				? '📤 submitting'
				: '❔ sent, waiting for Midjourney to confirm (not sent again)';
		case 'submitted':
			return `🎨 generating since ${discordTimestamp(job.state.submittedAt)}`;
		case 'finished': {
			const { outcome, delivery } = job.state;
			if (outcome.status === 'failed') {
				const reason = outcome.reason.length > 80 ? `${outcome.reason.slice(0, 79)}…` : outcome.reason;
				return `❌ failed (not counted): ${reason}`;
			}
			if (delivery.state === 'failed') return '⚠️ finished, but the result could not be posted';
			if (delivery.state === 'pending') return '📨 finished, posting the result';
			return delivery.via === 'dm' ? '✅ finished (sent to you by DM)' : '✅ finished';
		}
	}
}

function describeJob(
	job: JobRecord,
	jobs: Pick<JobService, 'queuePosition'>,
	parents: ReadonlyMap<string, JobRecord | undefined>,
): string {
	const prompt = Array.from(promptOf(job).replace(/\s+/g, ' '));
	const preview = prompt.length > PROMPT_PREVIEW ? `${prompt.slice(0, PROMPT_PREVIEW - 1).join('')}…` : prompt.join('');
	const parts = [`**${jobName(job)}** ${jobState(job, jobs)}`, `started ${discordTimestamp(job.createdAt)}`];
	const url = messageLink(job);
	if (url) parts.push(`[message](${url})`);
	if (job.parent) {
		const parent = parents.get(job.parent.jobId);
		const parentUrl = parent ? messageLink(parent) : undefined;
		const image = job.parent.imageIndex === undefined ? '' : ` (image ${job.parent.imageIndex + 1})`;
		parts.push(parentUrl ? `from [this result](${parentUrl})${image}` : `from an earlier job${image}`);
		const lineage = describeLineage(job);
		if (lineage && job.parent.lineage) parts.push(`\`${lineage}\``);
	}
	// The member's text, escaped like every quoted prompt: no link, mention or heading inside the embed.
	return `${parts.join(' · ')}\n${quotePrompt(preview, PROMPT_PREVIEW * 3)}`;
}
