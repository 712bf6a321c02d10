/**
 * `/info`: a member's own view, like Midjourney's — their running and queued jobs with positions, today's use against
 * each daily limit and when it resets, the account's remaining credits when the server lets members see them, and
 * their effective defaults. Private to the member. Built from sections: one more is one more entry in `SECTIONS`.
 */
import { SlashCommandBuilder } from '@discordjs/builders';
import { InteractionContextType, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { memberLanguage } from '../discord/language.js';
import { fitContent, NO_PINGS } from '../discord/respond.js';
import { describeEffective } from '../discord/settingsView.js';
import { discordTimestamp } from '../discord/timestamp.js';
import { DEFAULT_LANGUAGE, t, translatorFor, type Language } from '../i18n/index.js';
import { nextUtcMidnight } from '../settings/time.js';
import type { ServerSettings } from '../settings/types.js';
import { GENERATION_OPTION_NAMES } from '../settings/validate.js';
import { UserError } from '../userError.js';
import { jobState, messageLink } from './jobs.js';
import { hasBudget, ownApiKey, spendingSummary } from './serverSettingsKey.js';
import type { Command, CommandContext } from './types.js';

/** What every section may read: asked once, shared. */
export interface InfoFacts {
	guildId: string;
	userId: string;
	server: ServerSettings;
	context: CommandContext;
	now: number;
	/** The member's language (English when absent). */
	language?: Language;
}

/** One part of the view: its lines, or none to leave it out. */
export type InfoSection = (facts: InfoFacts) => Promise<string[]>;

/** Most running jobs listed by name; the rest are counted. */
const RUNNING_SHOWN = 10;

export const runningJobsSection: InfoSection = async ({ guildId, userId, context, language = DEFAULT_LANGUAGE }) => {
	const { usage } = context.settings;
	const jobs = (await usage.recentJobs(guildId, userId, 0)).filter((job) => job.state.phase !== 'finished');
	if (jobs.length === 0) return [t(language, 'info.noRunning')];
	const lines = jobs.slice(0, RUNNING_SHOWN).map((job) => {
		const url = messageLink(job);
		const title = url ? `[/${job.kind}](${url})` : `/${job.kind}`;
		return `• ${title} ${jobState(job, context.jobs, translatorFor(language))}`;
	});
	const more = jobs.length - lines.length;
	return [
		t(language, 'info.running', { count: jobs.length }),
		...lines,
		...(more > 0 ? [t(language, 'info.moreRunning', { count: more })] : []),
	];
};

export const todaySection: InfoSection = async ({
	guildId,
	userId,
	server,
	context,
	now,
	language = DEFAULT_LANGUAGE,
}) => {
	const { memberDaily, serverDaily, memberRunning } = server.limits;
	const [member, guild] = await Promise.all([
		context.settings.usage.memberUsage(guildId, userId),
		serverDaily === undefined ? undefined : context.settings.guildUsage(guildId),
	]);
	const resets = discordTimestamp(nextUtcMidnight(now));
	const limit = (value: number | undefined) => (value === undefined ? t(language, 'info.unlimited') : String(value));
	return [
		t(language, 'info.today', { used: member.today, limit: limit(memberDaily), resets }),
		t(language, 'info.runningLimit', { running: member.running.length, limit: limit(memberRunning) }),
		...(guild && serverDaily !== undefined
			? [t(language, 'info.serverToday', { used: guild.today, limit: serverDaily })]
			: []),
	];
};

export const creditsSection: InfoSection = async ({ guildId, server, context, language = DEFAULT_LANGUAGE }) => {
	if (!server.showCredits) return [];
	try {
		const credits = await context.api.getCredits(await ownApiKey(context, guildId));
		return [t(language, 'info.credits', { credits })];
	} catch (error) {
		context.logger.warn({ err: error }, 'Could not read the remaining credits for /info');
		return [t(language, 'info.creditsUnavailable')];
	}
};

export const defaultsSection: InfoSection = async ({ guildId, userId, context, language = DEFAULT_LANGUAGE }) => {
	const effective = await context.settings.resolveOptions(guildId, userId, {}, GENERATION_OPTION_NAMES);
	return [t(language, 'info.defaults'), ...describeEffective(translatorFor(language), effective)];
};

/** What the server (and the member) spent against its budgets, when it set any. */
export const spendingSection: InfoSection = async ({ guildId, userId, context, language = DEFAULT_LANGUAGE }) => {
	const spending = await context.settings.spending(guildId, userId);
	return spending && hasBudget(spending) ? [spendingSummary(spending, language)] : [];
};

/** The sections, in the order shown. */
export const SECTIONS: readonly InfoSection[] = [
	runningJobsSection,
	todaySection,
	spendingSection,
	creditsSection,
	defaultsSection,
];

const data = new SlashCommandBuilder()
	.setName('info')
	.setDescription('Your running jobs, today’s use against the limits, and your defaults in this server')
	.setContexts(InteractionContextType.Guild);

export default {
	data,
	async execute(interaction, context) {
		if (!interaction.inGuild()) throw UserError.localized('wrong-place', 'info.guildOnly');
		await interaction.deferReply({ flags: MessageFlags.Ephemeral });
		const content = await renderInfo(interaction, context);
		await interaction.editReply({ content: fitContent(content), allowedMentions: NO_PINGS });
	},
} satisfies Command;

async function renderInfo(
	interaction: ChatInputCommandInteraction<'cached' | 'raw'>,
	context: CommandContext,
): Promise<string> {
	const server = await context.settings.settings.server(interaction.guildId);
	const facts: InfoFacts = {
		guildId: interaction.guildId,
		userId: interaction.user.id,
		server,
		context,
		now: Date.now(),
		language: memberLanguage(interaction, server),
	};
	const sections = await Promise.all(SECTIONS.map(async (section) => section(facts)));
	return sections
		.filter((lines) => lines.length > 0)
		.map((lines) => lines.join('\n'))
		.join('\n\n');
}
