import { pino, type Logger } from 'pino';
import { SecretScrubber } from './logScrubber.js';

export type { Logger } from 'pino';

/** Where a logger keeps its scrubber; child loggers inherit it from their parent's prototype. */
const SCRUBBER = Symbol('secretScrubber');

export interface LoggerOptions {
	/** Secrets to take out of every line from the start (more can be added with `protectSecrets`). */
	secrets?: ReadonlyArray<string | undefined>;
}

/**
 * Structured JSON logs, context object first: `logger.info({ jobId, taskId, guildId }, 'Callback accepted')`.
 * Secrets are never passed to the logger on purpose; but errors carry URLs (an interaction webhook's holds its
 * token) and providers echo what they were sent, so every serialised line goes through a scrubber before it is
 * written. The redaction list is kept too: it drops known fields before they are even serialised.
 */
export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
	const scrubber = new SecretScrubber();
	scrubber.add(options.secrets ?? []);
	const logger = pino(
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
			serializers: { err: serializeError },
			hooks: { streamWrite: (line) => scrubber.scrub(line) },
		},
		destination,
	);
	Object.defineProperty(logger, SCRUBBER, { value: scrubber });
	return logger;
}

/**
 * Adds secrets the process learnt after the logger was made (e.g. a callback secret read from the store) to the
 * scrubber of a logger from `createLogger` (or a child of one). Other loggers are left as they are.
 */
export function protectSecrets(logger: Logger, secrets: ReadonlyArray<string | undefined>): void {
	const scrubber: unknown = Reflect.get(logger, SCRUBBER);
	if (scrubber instanceof SecretScrubber) scrubber.add(secrets);
}

type Serialized = Record<string, unknown>;

/**
 * pino's error serializer with causes (a delivery failure's cause is the Discord error saying what went wrong), minus
 * the bytes of uploaded files: discord.js errors carry their request's files, megabytes of them.
 */
function serializeError(error: unknown): unknown {
	if (!(error instanceof Error)) return error;
	return withoutFileData(pino.stdSerializers.errWithCause(error) as unknown as Serialized);
}

function withoutFileData(serialized: Serialized): Serialized {
	const { requestBody, cause } = serialized;
	if (isRecord(requestBody) && Array.isArray(requestBody.files)) {
		// A new object: the serialised error shares `requestBody` with the original error, which must stay as it is.
		serialized.requestBody = { ...requestBody, files: requestBody.files.map(describeFile) };
	}
	if (isRecord(cause)) serialized.cause = withoutFileData(cause);
	return serialized;
}

function describeFile(file: unknown): unknown {
	if (!isRecord(file)) return file;
	const { data, ...rest } = file;
	const bytes =
		typeof data === 'string' ? Buffer.byteLength(data) : ArrayBuffer.isView(data) ? data.byteLength : undefined;
	return { ...rest, ...(bytes === undefined ? {} : { bytes }) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
