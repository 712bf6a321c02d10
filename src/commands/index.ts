import animate from './animate.js';
import { helpCommand } from './help.js';
import imagine from './imagine.js';
import info from './info.js';
import jobs from './jobs.js';
import omni from './omni.js';
import remix from './remix.js';
import serverSettings from './serverSettings.js';
import settings from './settings.js';
import style from './style.js';
import type { Command } from './types.js';

/** Every slash command, explicitly: static imports are type-checked and survive bundling. */
export const COMMANDS: readonly Command[] = [
	imagine,
	remix,
	animate,
	style,
	omni,
	settings,
	serverSettings,
	jobs,
	info,
	// Lists the commands when it runs, from this very list.
	helpCommand(() => COMMANDS),
];

export function commandMap(): Map<string, Command> {
	return new Map(COMMANDS.map((command) => [command.data.name, command]));
}
