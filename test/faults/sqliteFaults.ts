/**
 * Store faults on a real SQLite file: a trigger, added from a second connection, makes the bot's writes that match a
 * pattern fail as a full disk would (the statement fails, nothing is written). Each refused write leaves a row in a
 * table of its own (RAISE(FAIL) keeps the trigger's earlier changes), so a test can wait on the store itself.
 */
import Database from 'better-sqlite3';

export interface WriteFault {
	/** How many writes have been refused so far. */
	refused(): Promise<number>;
	/** Removes the fault: writes succeed again. */
	heal(): Promise<void>;
	close(): Promise<void>;
}

/** Refuses every insert or update of `table` whose stored value contains `fragment` (e.g. `"phase":"submitted"`). */
export async function failWrites(file: string, table: string, fragment: string): Promise<WriteFault> {
	// Waits for the bot's connection to let go of the lock rather than failing at once.
	const db = new Database(file, { timeout: 10_000 });
	const run = async (sql: string): Promise<void> => void db.exec(sql);
	const all = async (sql: string): Promise<Array<Record<string, unknown>>> =>
		db.prepare(sql).all() as Array<Record<string, unknown>>;
	const like = `%${fragment.replace(/'/g, "''")}%`;
	await run(`CREATE TABLE IF NOT EXISTS ${table} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
	await run('CREATE TABLE IF NOT EXISTS injected_faults (at INTEGER NOT NULL)');
	for (const event of ['INSERT', 'UPDATE']) {
		await run(
			`CREATE TRIGGER injected_fault_${event.toLowerCase()} BEFORE ${event} ON ${table} WHEN NEW.value LIKE '${like}' ` +
				`BEGIN INSERT INTO injected_faults VALUES (unixepoch()); SELECT RAISE(FAIL, 'disk I/O error (injected)'); END`,
		);
	}
	return {
		async refused() {
			const rows = await all('SELECT count(*) AS n FROM injected_faults');
			return Number(rows[0]?.n ?? 0);
		},
		async heal() {
			await run('DROP TRIGGER IF EXISTS injected_fault_insert');
			await run('DROP TRIGGER IF EXISTS injected_fault_update');
		},
		async close() {
			db.close();
		},
	};
}
