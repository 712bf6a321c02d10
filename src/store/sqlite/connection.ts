/**
 * One connection to a SQLite file (better-sqlite3), shared by every table of the store (the claims open one of their
 * own), with its statements prepared once and kept.
 *
 * Why synchronous: a key-value statement on a WAL file takes a few microseconds, far less than a trip through
 * libuv's thread pool and back onto the event loop, which is what an asynchronous driver (node-sqlite3 before) paid
 * for each one. Under a burst those trips were the single largest place of the bot's busy main thread, and each
 * store round trip of a delivery waited for a turn of a loop busy with other work. Run in place, a statement also
 * keeps its caller's order by construction.
 *
 * What must never block the loop is a wait for another connection's write lock (another process, a backup): the
 * connection does not wait inside SQLite (busy timeout 0); a statement that finds the file locked is tried again on
 * a timer, until a little before the call's bound, and then fails definitely (SQLITE_BUSY: nothing was written).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldTurn, setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { timed } from '../../timing.js';
import { asStoreFailure, DEFAULT_STORE_TIMEOUT_MS, withinStoreTime } from '../unavailable.js';

export type SqliteValue = string | number | null;
export type SqliteRow = Record<string, SqliteValue>;

export interface SqliteConnectionOptions {
	/** How long one call may take before it rejects with `StoreUnavailableError` (default 2 s). */
	timeoutMs?: number;
}

/**
 * The longest a turn of the event loop runs statements before the next one waits for a turn of its own. A statement
 * in place is awaited as a promise already settled: a loop over thousands of them (restart recovery reading every open
 * job) ran as one chain of microtasks, timers and sockets waited behind it, and requests granted under the provider's
 * limits left in bunches.
 */
const TURN_BUDGET_MS = 10;

/** First and longest pause between tries of a statement that found the file locked. */
const LOCKED_RETRY_FIRST_MS = 2;
const LOCKED_RETRY_MAX_MS = 50;

/**
 * Failures that say the file cannot be used right now (locked by another process, disk full or failing), as opposed to
 * a statement's own fault: the caller may try again later.
 */
const UNAVAILABLE_CODES = new Set([
	'SQLITE_BUSY',
	'SQLITE_LOCKED',
	'SQLITE_IOERR',
	'SQLITE_FULL',
	'SQLITE_CANTOPEN',
	'SQLITE_NOMEM',
	'SQLITE_PROTOCOL',
	'SQLITE_READONLY',
]);

/** The primary result code (`SQLITE_IOERR_WRITE` → `SQLITE_IOERR`). */
function primaryCode(error: unknown): string | undefined {
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === 'string' ? code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1') : undefined;
}

function isUnavailable(error: unknown): boolean {
	const code = primaryCode(error);
	return code !== undefined && UNAVAILABLE_CODES.has(code);
}

/** Another connection holds the lock: worth another try in a moment. */
function isLocked(error: unknown): boolean {
	const code = primaryCode(error);
	return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

export class SqliteConnection {
	/** Each call's bound; also what `StoreUnavailableError` messages name. */
	public readonly timeoutMs: number;
	private readonly db: Database.Database;
	private readonly statements = new Map<string, Database.Statement<SqliteValue[]>>();
	/** Settles once the file's modes are set (tried again by the first calls while another connection switches it). */
	private opened: Promise<void>;
	private closed = false;
	/** When the current turn's first statement ran, while a marker for the turn's end is pending. */
	private turnStartedAt: number | undefined;
	/** The turn of its own the statements made since the last one over budget wait for. */
	private waitingTurn: Promise<void> | undefined;

	private constructor(
		public readonly file: string,
		options: SqliteConnectionOptions,
	) {
		this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
		if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
		this.db = new Database(file, { timeout: 0 });
		// WAL lets readers and the writer proceed together, and NORMAL syncs at checkpoints instead of every commit: the
		// default (a rollback journal with a disk flush per write) made each job's few writes cost ~50 ms. A process
		// crash loses nothing; only a power cut may lose the last commits. The journal mode is the file's: when another
		// connection is switching it at this very moment, SQLite answers SQLITE_BUSY, and that connection's switch
		// serves this one too. Synchronous is per connection.
		this.opened = this.untilUnlocked(() => {
			try {
				this.db.pragma('journal_mode = WAL');
			} catch (error) {
				if (!isLocked(error)) throw error;
			}
			this.db.pragma('synchronous = NORMAL');
		});
		// Failures surface to every statement that awaits it; none is left unhandled if nobody does.
		this.opened.catch(() => undefined);
	}

	/** Opens `file` (`:memory:` for a private in-memory database), creating its folder if need be. */
	public static open(file: string, options: SqliteConnectionOptions = {}): SqliteConnection {
		return new SqliteConnection(file, options);
	}

	/** Every row the statement returns (none for a statement that returns no rows). */
	public async all(sql: string, params: readonly SqliteValue[] = []): Promise<SqliteRow[]> {
		return this.bounded(sql, () => {
			const statement = this.statement(sql);
			if (statement.reader) return statement.all(...params) as SqliteRow[];
			statement.run(...params);
			return [];
		});
	}

	/** Runs a statement that returns nothing. */
	public async run(sql: string, params: readonly SqliteValue[] = []): Promise<void> {
		await this.bounded(sql, () => {
			this.statement(sql).run(...params);
		});
	}

	/** Runs SQL once, without keeping a statement: schema changes (a kept statement would go stale after them). */
	public async exec(sql: string): Promise<void> {
		await this.bounded(sql, () => {
			this.db.exec(sql);
		});
	}

	public async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.statements.clear();
		await this.opened.catch(() => undefined);
		this.db.close();
	}

	/**
	 * One call: in place when the file is free (a statement cannot overrun its bound while it runs, so no timer), on a
	 * timer while another connection holds the file's lock, bounded.
	 */
	private async bounded<T>(sql: string, call: () => T): Promise<T> {
		return timed('sqlite', sql, async () => {
			if (this.closed) throw new Error('The SQLite connection is closed');
			await this.opened;
			await this.turnWithinBudget();
			try {
				return call();
			} catch (error) {
				if (!isLocked(error)) throw asStoreFailure(error, 'SQLite', isUnavailable);
			}
			return withinStoreTime(this.untilUnlocked(call), this.timeoutMs, 'SQLite', isUnavailable);
		});
	}

	/**
	 * Waits for a turn of the event loop of its own when this turn has run statements for long enough. Statements made
	 * while one waits wait behind it, whichever turn they come from, so that they still run in the order they were made.
	 */
	private async turnWithinBudget(): Promise<void> {
		if (this.waitingTurn) {
			await this.waitingTurn;
		} else if (this.turnStartedAt !== undefined && performance.now() - this.turnStartedAt > TURN_BUDGET_MS) {
			this.waitingTurn = yieldTurn().then(() => {
				this.waitingTurn = undefined;
			});
			await this.waitingTurn;
		}
		if (this.turnStartedAt === undefined) {
			this.turnStartedAt = performance.now();
			setImmediate(() => (this.turnStartedAt = undefined));
		}
	}

	/**
	 * Runs `call`, and again after a short pause while the file is locked, until a little before the call's bound: a
	 * locked file mostly ends in a definite failure (SQLITE_BUSY: certainly not written) rather than a time-out after
	 * which the write might still land.
	 */
	private async untilUnlocked<T>(call: () => T): Promise<T> {
		const giveUpAt = Date.now() + this.timeoutMs * 0.75;
		for (let pause = LOCKED_RETRY_FIRST_MS; ; pause = Math.min(pause * 2, LOCKED_RETRY_MAX_MS)) {
			try {
				return call();
			} catch (error) {
				if (!isLocked(error) || this.closed || Date.now() + pause >= giveUpAt) throw error;
			}
			await sleep(pause);
		}
	}

	/** The kept statement for `sql`, prepared when first used (a failed preparation is not kept). */
	private statement(sql: string): Database.Statement<SqliteValue[]> {
		let statement = this.statements.get(sql);
		if (!statement) {
			statement = this.db.prepare<SqliteValue[]>(sql);
			this.statements.set(sql, statement);
		}
		return statement;
	}
}
