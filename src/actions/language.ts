/**
 * The languages an action speaks. What it posts for others to read (a picked image, the header of a DM'd result)
 * speaks the server's language; what it answers the acting member speaks theirs when their client says it, else the
 * server's (a reaction says no locale).
 */
import { DEFAULT_LANGUAGE, languageOf, type Language } from '../i18n/index.js';
import type { JobRecord } from '../jobs/types.js';
import type { ActionDeps } from './deps.js';
import type { Invocation } from './invocation.js';

type Where = Pick<Invocation, 'guildId' | 'guildLocale'>;

/** The server's `language` setting, else its preferred locale; for a result in DMs, the language its job spoke. */
export async function serverLanguageOf(
	deps: ActionDeps,
	where: Where,
	job: Pick<JobRecord, 'target'>,
): Promise<Language> {
	const setting = await deps.languageFor?.(where.guildId ?? job.target.guildId);
	return setting ?? languageOf(where.guildLocale) ?? job.target.language ?? DEFAULT_LANGUAGE;
}

/** An answer to the acting member. */
export async function replyLanguageOf(
	deps: ActionDeps,
	invocation: Where & Pick<Invocation, 'locale'>,
	job: Pick<JobRecord, 'target'>,
): Promise<Language> {
	return languageOf(invocation.locale) ?? serverLanguageOf(deps, invocation, job);
}
