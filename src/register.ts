/**
 * `npm run register`: registers the slash commands now, whether or not they changed.
 */
import { REST, Routes } from 'discord.js';
import { registerCommands } from './commands/register.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createStore } from './store/store.js';

async function main(): Promise<void> {
	const config = loadConfig();
	const logger = createLogger(config.logLevel, undefined, { format: config.logFormat });
	const rest = new REST(config.discordApiUrl ? { api: config.discordApiUrl } : {}).setToken(config.discordToken);
	const application = (await rest.get(Routes.currentApplication())) as { id: string };
	const store = createStore(config.storeUrl);
	try {
		await registerCommands({
			rest,
			applicationId: application.id,
			guildId: config.devGuildId,
			store,
			logger,
			force: true,
		});
	} finally {
		await store.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof ConfigError ? error.message : `Registration failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
	);
	process.exit(1);
});
