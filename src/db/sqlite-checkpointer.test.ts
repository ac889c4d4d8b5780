import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from './database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('SqliteCheckpointer', () => {
  it('copies committed pages into the database file from its own thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-checkpoint-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const handle = openSqlite(file);
    try {
      await sql`create table blobs (id integer primary key, body text not null)`.execute(handle.db);
      const body = 'x'.repeat(4_000);
      // About 2 MB: far below the main connection's own checkpoint threshold (16,000 pages).
      for (let i = 0; i < 500; i++) await sql`insert into blobs (body) values (${body})`.execute(handle.db);
      const deadline = Date.now() + 5_000;
      while (statSync(file).size < 2_000_000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(statSync(file).size).toBeGreaterThanOrEqual(2_000_000);
    } finally {
      await handle.close();
    }
    // The thread closed its connection first, so closing the main one removed the WAL.
    expect(() => statSync(`${file}-wal`)).toThrow();
  });
});
