/**
 * One connection to a SQLite file (node-sqlite3), shared by every table of the store (the claims open one of their
 * own), with its statements prepared once and kept.
 *
 * Why not `db.all(sql)` per call, as @keyv/sqlite does: node-sqlite3 then prepares, runs and finalises a fresh
 * statement each time, three trips through libuv's thread pool, each waiting for the event loop to be free. A kept
 * statement is one trip. With the event loop busy (a burst of callbacks and downloads), a store read went from
 * ~0.44 ms to ~0.22 ms, and a delivery makes several of them in turn.
 *
 * node-sqlite3 runs one statement's calls one after another, each started from the previous one's callback on the
 * event loop: under a burst of commands, a single kept INSERT wrote one job per turn of a busy loop, and thousands of
 * commands waited for it with their interactions in memory. Each SQL is kept in a few copies, run side by side (the
 * thread pool's turns overlap; SQLite still serialises them on the connection). Calls with the same first parameter
 * (the key) always use the same copy, so that two writes of one key still land in the order they were made.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import sqlite3 from 'sqlite3';
import { timed } from '../../timing.js';
import { DEFAULT_STORE_TIMEOUT_MS, withinStoreTime } from '../unavailable.js';

export type SqliteValue = string | number | null;

/** Copies kept of each statement, run side by side. */
const COPIES_PER_STATEMENT = 4;
export type SqliteRow = Record<string, SqliteValue>;

export interface SqliteConnectionOptions {
	/** How long one call may take before it rejects with `StoreUnavailableError` (default 2 s). */
	timeoutMs?: number;
}

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

function isUnavailable(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	return typeof code === 'string' && UNAVAILABLE_CODES.has(code);
}

export class SqliteConnection {
	/** Each call's bound; also what `StoreUnavailableError` messages name. */
	public readonly timeoutMs: number;
	private readonly db: sqlite3.Database;
	/** Each SQL's copies, by copy number: prepared when first used. */
	private readonly statements = new Map<string, Array<Promise<sqlite3.Statement> | undefined>>();
	private readonly opened: Promise<void>;
	private closed: Promise<void> | undefined;

	private constructor(
		public readonly file: string,
		options: SqliteConnectionOptions,
	) {
		this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
		if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
		this.db = new sqlite3.Database(file);
		// A statement waiting for another connection's write lock gives up (SQLITE_BUSY: certainly not written) a little
		// before the call's bound, so that a locked file mostly ends in a definite failure rather than a time-out after
		// which the write might still land.
		this.db.configure('busyTimeout', Math.max(1, Math.floor(this.timeoutMs * 0.75)));
		// WAL lets readers and the writer proceed together, and NORMAL syncs at checkpoints instead of every commit: the
		// default (a rollback journal with a disk flush per write) made each job's few writes cost ~50 ms. A process
		// crash loses nothing; only a power cut may lose the last commits. The journal mode is the file's: when another
		// connection is switching it at this very moment, SQLite may answer SQLITE_BUSY without waiting, and that
		// connection's switch serves this one too. Synchronous is per connection.
		this.opened = this.execNow('PRAGMA journal_mode = WAL')
			.catch(() => undefined)
			.then(async () => this.execNow('PRAGMA synchronous = NORMAL'));
		// Failures surface to every statement that awaits it; none is left unhandled if nobody does.
		this.opened.catch(() => undefined);
	}

	/** Opens `file` (`:memory:` for a private in-memory database), creating its folder if need be. */
	public static open(file: string, options: SqliteConnectionOptions = {}): SqliteConnection {
		return new SqliteConnection(file, options);
	}

	/**
	 * Every row the statement returns. Runs it to completion, so it holds no read snapshot afterwards. A kept statement
	 * that fails is reset at once: node-sqlite3 leaves it as it failed, and a write that failed on a locked file would
	 * keep its transaction open, so that this connection's next writes stay uncommitted and every other connection
	 * finds the file locked.
	 */
	public async all(sql: string, params: readonly SqliteValue[] = []): Promise<SqliteRow[]> {
		return this.bounded(sql, async () => {
			const statement = await this.statement(sql, params);
			return new Promise<SqliteRow[]>((resolveRows, reject) =>
				statement.all(params, (error: Error | null, rows: SqliteRow[]) =>
					error ? statement.reset(() => reject(error)) : resolveRows(rows),
				),
			);
		});
	}

	/** Runs a statement that returns nothing. */
	public async run(sql: string, params: readonly SqliteValue[] = []): Promise<void> {
		return this.bounded(sql, async () => {
			const statement = await this.statement(sql, params);
			return new Promise<void>((resolveRun, reject) =>
				statement.run(params, (error: Error | null) => (error ? statement.reset(() => reject(error)) : resolveRun())),
			);
		});
	}

	/** Runs SQL once, without keeping a statement: schema changes (a kept statement would go stale after them). */
	public async exec(sql: string): Promise<void> {
		return this.bounded(sql, async () => {
			await this.opened;
			return this.execNow(sql);
		});
	}

	public async close(): Promise<void> {
		this.closed ??= (async () => {
			await this.opened.catch(() => undefined);
			const preparing = [...this.statements.values()].flat();
			this.statements.clear();
			const statements = await Promise.all(preparing.map(async (prepared) => prepared?.catch(() => undefined)));
			await Promise.all(
				statements.map(
					async (statement) => new Promise<void>((done) => (statement ? statement.finalize(() => done()) : done())),
				),
			);
			await new Promise<void>((resolveClose) => this.db.close(() => resolveClose()));
		})();
		return this.closed;
	}

	private async bounded<T>(sql: string, call: () => Promise<T>): Promise<T> {
		return timed('sqlite', sql, () => withinStoreTime(call(), this.timeoutMs, 'SQLite', isUnavailable));
	}

	private async execNow(sql: string): Promise<void> {
		return new Promise((resolveExec, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolveExec())));
	}

	/** The kept copy of `sql` for calls with these parameters, prepared if need be. */
	private async statement(sql: string, params: readonly SqliteValue[]): Promise<sqlite3.Statement> {
		if (this.closed) throw new Error('The SQLite connection is closed');
		await this.opened;
		const copies = this.statements.get(sql) ?? [];
		this.statements.set(sql, copies);
		const copy = copyFor(params[0]);
		let prepared = copies[copy];
		if (!prepared) {
			prepared = this.prepare(sql);
			copies[copy] = prepared;
			// A failed preparation is not kept: the next call tries again.
			prepared.catch(() => {
				if (copies[copy] === prepared) copies[copy] = undefined;
			});
		}
		return prepared;
	}

	private async prepare(sql: string): Promise<sqlite3.Statement> {
		const statement = await new Promise<sqlite3.Statement>((resolvePrepared, reject) => {
			const prepared = this.db.prepare(sql, (error) => (error ? reject(error) : resolvePrepared(prepared)));
		});
		if (this.closed) {
			// Closing began while it was prepared: close() finalises only the statements it found.
			statement.finalize();
			throw new Error('The SQLite connection is closed');
		}
		return statement;
	}
}

/** Which copy serves a call: by its first parameter, so calls on one key keep their order. */
function copyFor(first: SqliteValue | undefined): number {
	if (typeof first !== 'string') return 0;
	let hash = 0;
	for (let index = 0; index < first.length; index++) hash = (hash * 31 + first.charCodeAt(index)) | 0;
	return Math.abs(hash) % COPIES_PER_STATEMENT;
}
