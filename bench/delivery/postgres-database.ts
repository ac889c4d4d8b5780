import pg from 'pg';
import type { PostgresCluster } from '../../test/helpers/postgres-cluster.js';

/** A new, empty database `name` in the bench's throwaway cluster; its URL. */
export async function createPostgresDatabase(cluster: PostgresCluster, name: string): Promise<string> {
  const admin = new pg.Client(cluster.url);
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(cluster.url);
  url.pathname = `/${name}`;
  return url.toString();
}
