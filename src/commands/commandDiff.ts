/**
 * What differs between the slash commands the bot defines and those Discord has in one scope: commands missing (never
 * registered, or deleted by hand), commands Discord has that the bot does not define, and commands whose definition
 * changed. Compared field by field, because Discord answers with more than it was sent (ids, versions, defaults).
 */
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';

export interface CommandDiff {
	missing: string[];
	extra: string[];
	changed: string[];
}

/**
 * Fields a definition may set that Discord leaves out, or answers with a default, when they are not set: compared
 * even when the bot's definition does not have them, so one set by someone else is noticed.
 */
const SETTABLE_FIELDS = [
	'options',
	'choices',
	'required',
	'min_value',
	'max_value',
	'min_length',
	'max_length',
	'channel_types',
	'autocomplete',
	'default_member_permissions',
	'nsfw',
	'name_localizations',
	'description_localizations',
] as const;

const CHAT_INPUT = 1;

export function commandDiff(
	defined: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
	registered: readonly unknown[],
): CommandDiff {
	const remote = new Map(registered.filter(isRecord).map((command) => [keyOf(command), command]));
	const diff: CommandDiff = { missing: [], extra: [], changed: [] };
	const local = new Set<string>();
	for (const definition of defined) {
		const key = keyOf(definition as unknown as Record<string, unknown>);
		local.add(key);
		const command = remote.get(key);
		if (command === undefined) diff.missing.push(key);
		else if (!matches(definition, command)) diff.changed.push(key);
	}
	for (const key of remote.keys()) if (!local.has(key)) diff.extra.push(key);
	return diff;
}

export function isSame(diff: CommandDiff): boolean {
	return diff.missing.length === 0 && diff.extra.length === 0 && diff.changed.length === 0;
}

/** A chat-input command by its name; another type (user or message command) with its type. */
function keyOf(command: Record<string, unknown>): string {
	const type = command['type'] ?? CHAT_INPUT;
	const name = String(command['name']);
	return type === CHAT_INPUT ? name : `${name} (type ${String(type)})`;
}

/** Unset, as Discord answers an unset field: absent, null, false, or empty. */
function isUnset(value: unknown): boolean {
	return (
		value === undefined ||
		value === null ||
		value === false ||
		(Array.isArray(value) && value.length === 0) ||
		(isRecord(value) && Object.keys(value).length === 0)
	);
}

/** Whether what Discord has says what the bot defined; fields Discord adds on its own are not compared. */
function matches(defined: unknown, registered: unknown): boolean {
	if (isUnset(defined) || isUnset(registered)) return isUnset(defined) && isUnset(registered);
	if (Array.isArray(defined)) {
		return (
			Array.isArray(registered) &&
			defined.length === registered.length &&
			defined.every((item, index) => matches(item, registered[index]))
		);
	}
	if (isRecord(defined)) {
		if (!isRecord(registered)) return false;
		const fields = new Set<string>(SETTABLE_FIELDS);
		for (const [field, value] of Object.entries(defined)) if (value !== undefined) fields.add(field);
		return [...fields].every((field) => matches(defined[field], registered[field]));
	}
	return defined === registered;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
