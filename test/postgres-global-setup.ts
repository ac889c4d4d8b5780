import { startPostgresCluster } from './helpers/postgres-cluster.js';

/**
 * Starts one throwaway PostgreSQL cluster for the whole PostgreSQL run (each test then creates
 * its own database on it), unless SWITCHBOARD_TEST_DATABASE_URL already points at one.
 */
export default async function setup(): Promise<() => void> {
  process.env.SWITCHBOARD_TEST_DIALECT = 'postgres';
  if (process.env.SWITCHBOARD_TEST_DATABASE_URL !== undefined) return () => undefined;
  const cluster = await startPostgresCluster({ statementStats: true });
  process.env.SWITCHBOARD_TEST_DATABASE_URL = cluster.url;
  return () => cluster.stop();
}
