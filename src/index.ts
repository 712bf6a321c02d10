/**
 * The process: load config, start the bot, stop cleanly on SIGINT/SIGTERM.
 */
import { startBot } from './bot.js';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
	let config;
	try {
		config = loadConfig();
	} catch (error) {
		if (error instanceof ConfigError) {
			// A configuration problem is the operator's to fix: a plain message, no stack trace.
			process.stderr.write(`${error.message}\n`);
			process.exit(1);
		}
		throw error;
	}
	const logger = createLogger(config.logLevel, undefined, { format: config.logFormat });
	const bot = await startBot({ config, logger });

	const shutdown = (signal: string) => {
		logger.info({ signal }, 'Shutting down');
		const forced = setTimeout(() => {
			logger.error('Shutdown took too long; exiting');
			process.exit(1);
		}, 20_000);
		forced.unref();
		bot.stop().then(
			() => process.exit(0),
			(error: unknown) => {
				logger.error({ err: error }, 'Shutdown failed');
				process.exit(1);
			},
		);
	};
	process.once('SIGINT', () => shutdown('SIGINT'));
	process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
	const message = error instanceof Error ? error.message : String(error);
	process.stderr.write(`The bot could not start: ${message}\n`);
	process.exit(1);
});
