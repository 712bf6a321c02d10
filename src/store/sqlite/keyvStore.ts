/**
 * A Keyv storage adapter for one table of a {@link SqliteConnection}: the table layout of @keyv/sqlite (`key`,
 * `value` as text, Keyv's own serialisation and expiry inside the value), so files written before stay readable,
 * over kept statements (see connection.ts for why).
 */
import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import type { SqliteConnection, SqliteValue } from './connection.js';

/** Rows fetched per page while iterating a table (restart recovery lists every open job). */
const ITERATION_PAGE = 500;
/** Most writes sent in one statement. */
const WRITE_BATCH = 200;
/** Most keys read in one statement. */
const READ_BATCH = 200;

type StatementName = 'get' | 'getMany' | 'set' | 'setMany' | 'setIfAbsent' | 'delete' | 'has' | 'page' | 'clear';

/** A read waiting for its table's batch. */
interface PendingRead {
	key: string;
	done: (value: SqliteValue | undefined) => void;
	failed: (error: unknown) => void;
}

/** A write waiting for its table's batch. */
interface PendingWrite {
	row: [string, SqliteValue];
	done: () => void;
	failed: (error: unknown) => void;
}

export class SqliteKeyvStore extends EventEmitter implements KeyvStoreAdapter {
	/** Keyv reads `dialect` to know the adapter can iterate. */
	public readonly opts: { dialect: 'sqlite'; url: string; table: string };
	public namespace?: string | undefined;
	private ready: Promise<void>;
	private readonly createTable: string;
	private readonly sql: Readonly<Record<StatementName, string>>;
	/** Writes made while the table's previous write runs: sent together when it ends. */
	private waiting: PendingWrite[] = [];
	private writing = false;
	/** Reads made while the table's previous read runs: sent together when it ends. */
	private waitingReads: PendingRead[] = [];
	private reading = false;

	public constructor(
		public readonly connection: SqliteConnection,
		table: string,
	) {
		super();
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new Error(`Invalid SQLite table name: ${table}`);
		this.opts = { dialect: 'sqlite', url: `sqlite://${connection.file}`, table };
		this.sql = {
			get: `SELECT value FROM ${table} WHERE key = ?`,
			getMany: `SELECT key, value FROM ${table} WHERE key IN (SELECT value FROM json_each(?))`,
			set: `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			// Rows in array order, so that of two writes of one key in a batch the later wins. `WHERE true` lets SQLite
			// tell the upsert's ON CONFLICT from a join's ON.
			setMany: `INSERT INTO ${table} (key, value) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true ORDER BY json_each.key ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			setIfAbsent: `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			delete: `DELETE FROM ${table} WHERE key = ? RETURNING key`,
			has: `SELECT 1 AS found FROM ${table} WHERE key = ?`,
			// Pages by key rather than by offset: rows deleted while a caller iterates do not make it skip others.
			page: `SELECT key, value FROM ${table} WHERE key LIKE ? ESCAPE '\\' AND key > ? ORDER BY key LIMIT ${ITERATION_PAGE}`,
			clear: `DELETE FROM ${table} WHERE key LIKE ? ESCAPE '\\'`,
		};
		this.createTable = `CREATE TABLE IF NOT EXISTS ${table} (key VARCHAR(255) PRIMARY KEY, value TEXT)`;
		this.ready = this.created();
	}

	/**
	 * Reads go one statement at a time per table, like writes: those made meanwhile go together as one statement. Under a
	 * burst, reads one by one queued behind each other past the store's time-out, and members' replies went unrecorded.
	 */
	public async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
		await this.tableReady();
		return new Promise<StoredData<Value> | undefined>((done, failed) => {
			this.waitingReads.push({ key, done: (value) => done(value as StoredData<Value> | undefined), failed });
			if (!this.reading) void this.readWaiting();
		});
	}

	/** Sends the waiting reads, a batch at a time, until none is left. */
	private async readWaiting(): Promise<void> {
		this.reading = true;
		while (this.waitingReads.length > 0) {
			const batch = this.waitingReads.splice(0, READ_BATCH);
			try {
				const values = await this.readValues([...new Set(batch.map((read) => read.key))]);
				for (const read of batch) read.done(values.get(read.key));
			} catch (error) {
				for (const read of batch) read.failed(error);
			}
		}
		this.reading = false;
	}

	/** The stored value of each key that has a row: one statement, the single-key one for a lone key. */
	private async readValues(keys: string[]): Promise<Map<SqliteValue, SqliteValue>> {
		const [only] = keys;
		const rows =
			keys.length === 1 && only !== undefined
				? (await this.connection.all(this.sql.get, [only])).map((row) => ({ key: only, value: row['value'] }))
				: await this.connection.all(this.sql.getMany, [JSON.stringify(keys)]);
		return new Map(rows.map((row) => [row['key'] ?? null, row['value'] ?? null]));
	}

	public async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
		const rows = await this.all('getMany', [JSON.stringify(keys)]);
		const values = new Map(rows.map((row) => [row['key'], row['value']]));
		return keys.map((key) => values.get(key) as StoredData<Value | undefined>);
	}

	/**
	 * Writes go one statement at a time per table; those made meanwhile wait and then go together, as one statement.
	 * Under a burst of commands, writes one by one queued for seconds behind each other; a batch costs one statement
	 * however many it carries. Writes of one key keep their order.
	 */
	public async set(key: string, value: unknown): Promise<void> {
		await this.tableReady();
		return new Promise<void>((done, failed) => {
			this.waiting.push({ row: [key, value as SqliteValue], done, failed });
			if (!this.writing) void this.writeWaiting();
		});
	}

	/** Sends the waiting writes, a batch at a time, until none is left. */
	private async writeWaiting(): Promise<void> {
		this.writing = true;
		while (this.waiting.length > 0) {
			const batch = this.waiting.splice(0, WRITE_BATCH);
			try {
				const [only] = batch;
				if (batch.length === 1 && only) await this.connection.run(this.sql.set, only.row);
				else await this.connection.run(this.sql.setMany, [JSON.stringify(batch.map((write) => write.row))]);
				for (const write of batch) write.done();
			} catch (error) {
				for (const write of batch) write.failed(error);
			}
		}
		this.writing = false;
	}

	/**
	 * Stores the serialised value unless the key has a row already, in one statement: of several connections (or
	 * processes) doing it at once, exactly one writes. For values without expiry (an expired row still counts as there).
	 */
	public async setIfAbsent(key: string, value: string): Promise<void> {
		await this.tableReady();
		await this.connection.run(this.sql.setIfAbsent, [key, value]);
	}

	public async delete(key: string): Promise<boolean> {
		return (await this.all('delete', [key])).length > 0;
	}

	public async deleteMany(keys: string[]): Promise<boolean> {
		const deleted = await Promise.all(keys.map(async (key) => this.delete(key)));
		return deleted.some(Boolean);
	}

	public async has(key: string): Promise<boolean> {
		return (await this.all('has', [key])).length > 0;
	}

	public async clear(): Promise<void> {
		await this.all('clear', [this.prefixPattern(this.namespace)]);
	}

	public async *iterator<Value>(namespace?: string): AsyncGenerator<Array<string | Awaited<Value> | undefined>> {
		let after = '';
		for (;;) {
			const rows = await this.all('page', [this.prefixPattern(namespace), after]);
			for (const row of rows) yield [String(row['key']), row['value'] as Awaited<Value>];
			if (rows.length < ITERATION_PAGE) return;
			after = String(rows.at(-1)?.['key']);
		}
	}

	/** The connection belongs to the store, which closes it once for every table. */
	public async disconnect(): Promise<void> {
		await this.ready.catch(() => undefined);
	}

	private async all(statement: StatementName, params: SqliteValue[]) {
		await this.tableReady();
		return this.connection.all(this.sql[statement], params);
	}

	/** The table, created once; a creation the store could not do then (a locked file) is tried again by the next call. */
	private async tableReady(): Promise<void> {
		const ready = this.ready;
		try {
			await ready;
		} catch (error) {
			if (this.ready === ready) this.ready = this.created();
			throw error;
		}
	}

	/** Creates the table; a failure is reported on the adapter's `error` event, and to whoever awaits it. */
	private created(): Promise<void> {
		const creating = this.connection.exec(this.createTable);
		creating.catch((error: unknown) => this.emit('error', error));
		return creating;
	}

	/** A LIKE pattern for the keys of a namespace (Keyv prefixes them `namespace:`), with LIKE's wildcards escaped. */
	private prefixPattern(namespace: string | undefined): string {
		return namespace ? `${namespace.replace(/[\\%_]/g, (wildcard) => `\\${wildcard}`)}:%` : '%';
	}
}
