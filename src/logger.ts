import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Structured JSON logs, context object first: `logger.info({ jobId, taskId, guildId }, 'Callback accepted')`.
 * Secrets are never passed to the logger; the redaction list is a second line of defence for fields that hold them.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
	return pino(
		{
			level,
			base: { service: 'mj-discord-bot' },
			redact: {
				paths: [
					'token',
					'*.token',
					'interactionToken',
					'*.interactionToken',
					'authorization',
					'*.authorization',
					'headers.authorization',
					'apiKey',
					'secret',
					'callbackUrl',
					'*.callbackUrl',
				],
				censor: '[redacted]',
			},
			serializers: { err: pino.stdSerializers.err },
		},
		destination,
	);
}
