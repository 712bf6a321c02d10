import { ApplicationCommandOptionType, ApplicationCommandType } from 'discord-api-types/v10';
import type { APIApplicationCommand } from 'discord-api-types/v10';
import { isRecord } from './util.js';

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Rules Discord enforces on command definitions that the OpenAPI schema cannot express. */
export function commandProblems(body: unknown, label: string): string[] {
	if (!isRecord(body)) return [];
	const problems: string[] = [];
	const type = typeof body['type'] === 'number' ? body['type'] : ApplicationCommandType.ChatInput;
	const name = typeof body['name'] === 'string' ? body['name'] : '';
	if (type === ApplicationCommandType.ChatInput) {
		if (!NAME.test(name) || name !== name.toLowerCase())
			problems.push(`${label}: name ${JSON.stringify(name)} is not a valid lowercase command name`);
		problems.push(...descriptionProblems(body['description'], `${label} /${name}`));
		problems.push(...optionProblems(body['options'], `${label} /${name}`));
	}
	return problems;
}

/** Chat-input commands and their options need a description of 1–100 characters. */
function descriptionProblems(description: unknown, label: string): string[] {
	const length = typeof description === 'string' ? [...description].length : 0;
	return length >= 1 && length <= 100 ? [] : [`${label}: description must be 1–100 characters`];
}

function optionProblems(options: unknown, label: string): string[] {
	if (!Array.isArray(options)) return [];
	const problems: string[] = [];
	let seenOptional = false;
	const names = new Set<string>();
	for (const option of options) {
		if (!isRecord(option)) continue;
		const name = typeof option['name'] === 'string' ? option['name'] : '';
		if (!NAME.test(name) || name !== name.toLowerCase())
			problems.push(`${label}: option name ${JSON.stringify(name)} is invalid`);
		if (names.has(name)) problems.push(`${label}: duplicate option ${name}`);
		names.add(name);
		problems.push(...descriptionProblems(option['description'], `${label} ${name}`));
		const type = option['type'];
		if (type === ApplicationCommandOptionType.Subcommand || type === ApplicationCommandOptionType.SubcommandGroup) {
			problems.push(...optionProblems(option['options'], `${label} ${name}`));
			continue;
		}
		if (option['required'] === true && seenOptional) {
			problems.push(
				`${label}: required option ${name} comes after an optional one (APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID)`,
			);
		}
		if (option['required'] !== true) seenOptional = true;
	}
	return problems;
}

/** Application commands registered through the API, global and per guild, with stable ids per name and type. */
export class CommandStore {
	readonly global: APIApplicationCommand[] = [];
	readonly guild = new Map<string, APIApplicationCommand[]>();
	readonly #applicationId: string;
	readonly #newId: () => string;

	constructor(applicationId: string, newId: () => string) {
		this.#applicationId = applicationId;
		this.#newId = newId;
	}

	list(guildId: string | undefined): APIApplicationCommand[] {
		if (guildId === undefined) return this.global;
		let list = this.guild.get(guildId);
		if (!list) {
			list = [];
			this.guild.set(guildId, list);
		}
		return list;
	}

	#build(
		body: Record<string, unknown>,
		guildId: string | undefined,
		previous: APIApplicationCommand | undefined,
	): APIApplicationCommand {
		const type = typeof body['type'] === 'number' ? body['type'] : ApplicationCommandType.ChatInput;
		const command: Record<string, unknown> = {
			id: previous?.id ?? this.#newId(),
			application_id: this.#applicationId,
			version: previous?.version ?? this.#newId(),
			default_member_permissions: body['default_member_permissions'] ?? null,
			type,
			name: body['name'],
			name_localizations: body['name_localizations'] ?? null,
			description: body['description'] ?? '',
			description_localizations: body['description_localizations'] ?? null,
			dm_permission: body['dm_permission'] ?? true,
			contexts: body['contexts'] ?? null,
			integration_types: body['integration_types'] ?? [0],
			nsfw: body['nsfw'] ?? false,
		};
		if (Array.isArray(body['options'])) command['options'] = body['options'];
		if (guildId !== undefined) command['guild_id'] = guildId;
		if (previous && JSON.stringify({ ...previous, version: '' }) !== JSON.stringify({ ...command, version: '' })) {
			command['version'] = this.#newId();
		}
		return command as unknown as APIApplicationCommand;
	}

	/** Bulk overwrite: commands keep their id when name and type match an existing one. */
	overwrite(bodies: unknown[], guildId: string | undefined): APIApplicationCommand[] {
		const list = this.list(guildId);
		const next = bodies.filter(isRecord).map((body) => this.#build(body, guildId, this.#find(list, body)));
		list.splice(0, list.length, ...next);
		return next;
	}

	/** Create or replace one command (POST), like Discord's upsert. */
	upsert(
		body: Record<string, unknown>,
		guildId: string | undefined,
	): { command: APIApplicationCommand; created: boolean } {
		const list = this.list(guildId);
		const previous = this.#find(list, body);
		const command = this.#build(body, guildId, previous);
		if (previous) list.splice(list.indexOf(previous), 1, command);
		else list.push(command);
		return { command, created: !previous };
	}

	edit(
		commandId: string,
		body: Record<string, unknown>,
		guildId: string | undefined,
	): APIApplicationCommand | undefined {
		const list = this.list(guildId);
		const previous = list.find((command) => command.id === commandId);
		if (!previous) return undefined;
		const command = this.#build({ ...(previous as unknown as Record<string, unknown>), ...body }, guildId, previous);
		list.splice(list.indexOf(previous), 1, command);
		return command;
	}

	remove(commandId: string, guildId: string | undefined): boolean {
		const list = this.list(guildId);
		const index = list.findIndex((command) => command.id === commandId);
		if (index === -1) return false;
		list.splice(index, 1);
		return true;
	}

	/** The command an interaction for `name` refers to: a guild command first, then a global one. */
	lookup(name: string, guildId: string | null): { id: string; guildId?: string } | undefined {
		const inGuild =
			guildId === null
				? undefined
				: this.guild.get(guildId)?.find((command) => command.name === name && command.type === 1);
		if (inGuild) return { id: inGuild.id, guildId: guildId ?? undefined };
		const global = this.global.find((command) => command.name === name && command.type === 1);
		return global ? { id: global.id } : undefined;
	}

	#find(list: APIApplicationCommand[], body: Record<string, unknown>): APIApplicationCommand | undefined {
		const type = typeof body['type'] === 'number' ? body['type'] : ApplicationCommandType.ChatInput;
		return list.find((command) => command.name === body['name'] && command.type === type);
	}
}
