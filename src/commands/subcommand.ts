/**
 * Reads a sub-command and its options as sent. discord.js's typed getters throw on a type mismatch; a tampered
 * interaction deserves a clear message instead, so values are read raw and checked by the handler.
 */
import { ApplicationCommandOptionType, type ChatInputCommandInteraction } from 'discord.js';
import { assertNoProblems } from '../discord/input.js';
import { UserError, type Wording } from '../userError.js';

export interface SubcommandInput {
	name: string;
	values: Map<string, unknown>;
}

export function readSubcommand(interaction: ChatInputCommandInteraction): SubcommandInput {
	const sub = interaction.options.data[0];
	if (!sub || sub.type !== ApplicationCommandOptionType.Subcommand) {
		throw UserError.localized('invalid-input', 'errors.pickSubcommand', { command: interaction.commandName });
	}
	const values = new Map<string, unknown>();
	for (const option of sub.options ?? []) values.set(option.name, option.value);
	return { name: sub.name, values };
}

/** Refuses options the sub-command does not have (a stale or tampered definition). */
export function assertKnownOptions(input: SubcommandInput, known: readonly string[]): void {
	const unknown = [...input.values.keys()].filter((name) => !known.includes(name));
	if (unknown.length > 0) {
		const options = unknown.map((name) => `\`${name}\``).join(', ');
		throw UserError.localized('invalid-input', 'errors.unknownOptions', { options });
	}
}

/** One `UserError` listing every problem, so everything can be fixed in one go. */
export function assertNothingWrong(problems: readonly Wording[]): void {
	assertNoProblems(problems, 'errors.nothingChanged');
}
