/**
 * Keyv checks an entry's expiry only when the entry is read, so on SQLite a row with an expiry that nobody reads again
 * (a delivered job after its 30 days, an early callback, a past day's usage, an expired claim) would stay for ever.
 * The sweeper deletes such rows once at open and then on a schedule, a batch at a time: the rows are found by a read
 * (no write lock in WAL mode) and deleted by key, so a sweep never holds the file's write lock for long.
 *
 * Keyv keeps the expiry inside the serialised value (`{"value":…,"expires":<epoch ms>}`); claims keep theirs in an
 * `expires_at` column (see ../claims.ts).
 */
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { SqliteConnection } from './connection.js';

/** How often expired rows are swept. */
export const SWEEP_INTERVAL_MS = 10 * 60_000;
/** Rows deleted per statement. */
const SWEEP_BATCH = 500;

/** The expiry Keyv stored in a row's value; NULL when it has none (or the value is not Keyv's JSON). */
const KEYV_EXPIRES = "(CASE WHEN json_valid(value) THEN json_extract(value, '$.expires') END)";

/** Tables laid out by the Keyv adapter: a `key` and a `value` column. */
const KEYV_TABLES =
	"SELECT m.name AS name FROM sqlite_master AS m WHERE m.type = 'table' AND (SELECT count(*) FROM pragma_table_info(m.name) WHERE name IN ('key', 'value')) = 2";
const CLAIMS_TABLE = "SELECT 1 AS found FROM pragma_table_info('claims') WHERE name = 'expires_at'";

export interface SweeperOptions {
	intervalMs?: number;
	now?: () => number;
	/** A sweep that failed (the store was unavailable, say): the next one tries again. */
	onError?: (error: unknown) => void;
	/** After each sweep, with the number of rows it deleted. */
	onSwept?: (deleted: number) => void;
}

export interface Sweeper {
	/** Sweeps now (or joins the sweep under way); resolves with the number of rows deleted. */
	sweep(): Promise<number>;
	/** Stops the schedule and waits for a sweep under way to stop between two batches. */
	stop(): Promise<void>;
}

/** Deletes a table's expired rows a batch at a time, until none is left or the sweeper stops. */
async function sweepTable(
	connection: SqliteConnection,
	table: string,
	expires: string,
	now: () => number,
	stopped: () => boolean,
): Promise<number> {
	let deleted = 0;
	while (!stopped()) {
		const at = now();
		const keys = (await connection.all(`SELECT key FROM ${table} WHERE ${expires} <= ? LIMIT ${SWEEP_BATCH}`, [at]))
			.map((row) => row['key'])
			.filter((key) => key !== null);
		if (keys.length === 0) break;
		// Checked again as it deletes: a row written again meanwhile, with a later expiry or none, stays.
		const gone = await connection.all(
			`DELETE FROM ${table} WHERE key IN (SELECT value FROM json_each(?)) AND ${expires} <= ? RETURNING key`,
			[JSON.stringify(keys), at],
		);
		deleted += gone.length;
		if (keys.length < SWEEP_BATCH) break;
		await yieldToOthers();
	}
	return deleted;
}

/** One sweep of every Keyv table and the claims table of the file. */
async function sweepFile(connection: SqliteConnection, now: () => number, stopped: () => boolean): Promise<number> {
	let deleted = 0;
	const tables = await connection.all(KEYV_TABLES);
	for (const { name } of tables) {
		if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
		deleted += await sweepTable(connection, name, KEYV_EXPIRES, now, stopped);
	}
	if ((await connection.all(CLAIMS_TABLE)).length > 0) {
		deleted += await sweepTable(connection, 'claims', 'expires_at', now, stopped);
	}
	return deleted;
}

/** Starts sweeping the connection's file: once now, then every `intervalMs`. The timer never keeps the process alive. */
export function startSweeping(connection: SqliteConnection, options: SweeperOptions = {}): Sweeper {
	const intervalMs = options.intervalMs ?? SWEEP_INTERVAL_MS;
	const now = options.now ?? Date.now;
	let stopped = false;
	let running: Promise<number> | undefined;
	let timer: NodeJS.Timeout | undefined;

	const sweep = async (): Promise<number> => {
		running ??= sweepFile(connection, now, () => stopped).finally(() => {
			running = undefined;
		});
		return running;
	};

	const schedule = (delayMs: number): void => {
		timer = setTimeout(() => {
			sweep().then(
				(deleted) => options.onSwept?.(deleted),
				(error: unknown) => options.onError?.(error),
			);
			// The next sweep is counted from this one's start; `sweep()` joins one still running rather than overlapping it.
			if (!stopped) schedule(intervalMs);
		}, delayMs);
		timer.unref();
	};
	schedule(0);

	return {
		sweep,
		async stop() {
			stopped = true;
			clearTimeout(timer);
			await running?.catch(() => undefined);
		},
	};
}
