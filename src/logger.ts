import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { SecretScrubber } from './logScrubber.js';

export type { Logger } from 'pino';

/** Where a logger keeps its scrubber; child loggers inherit it from their parent's prototype. */
const SCRUBBER = Symbol('secretScrubber');

/** `json` for machines, `pretty` for people, `auto`: pretty when writing to a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
	/** Secrets to take out of every line from the start (more can be added with `protectSecrets`). */
	secrets?: ReadonlyArray<string | undefined>;
	/** Default `json`. `auto` is pretty only when the lines go to standard output and that is a terminal. */
	format?: LogFormat;
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
		isPretty(options.format ?? 'json', destination) ? prettyDestination(destination) : destination,
	);
	Object.defineProperty(logger, SCRUBBER, { value: scrubber });
	return logger;
}

function isPretty(format: LogFormat, destination: pino.DestinationStream | undefined): boolean {
	if (format === 'auto') return destination === undefined && process.stdout.isTTY === true;
	return format === 'pretty';
}

/**
 * Readable lines, made from the JSON line once it has been scrubbed (the scrubber is a hook on pino's write, before
 * this destination), synchronously like pino's own stdout destination so that nothing is lost at exit.
 */
function prettyDestination(destination: pino.DestinationStream | undefined): pino.DestinationStream {
	const prettify = prettyFactory({
		// Colours only on a terminal that takes them (pino-pretty's own check of standard output).
		...(destination === undefined ? {} : { colorize: false }),
		ignore: 'pid,hostname,service',
		translateTime: 'SYS:HH:MM:ss.l',
	});
	const target = destination ?? process.stdout;
	return { write: (line: string) => void target.write(prettify(line)) };
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
