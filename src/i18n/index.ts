export {
	DEFAULT_LANGUAGE,
	LANGUAGE_NAMES,
	LANGUAGES,
	isLanguage,
	type Language,
	type MessageKey,
} from './catalogues.js';
export { formatDate, formatList, formatNumber } from './format.js';
export { channelLanguage, languageOf, replyLanguage, type ServerLanguageFacts } from './locale.js';
export {
	LOCALIZED_DISCORD_LOCALES,
	localizationsFor,
	localizeCommand,
	type LocalizationMap,
	type LocalizedDiscordLocale,
} from './localizations.js';
export { lookup, t, translatorFor, type MessageVars, type Translate } from './translator.js';
