import type { FastifyServerOptions } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './db/database.js';
import { auditRoutes } from './features/audit/audit-routes.js';
import { AuditService } from './features/audit/audit-service.js';
import { AuditStore } from './features/audit/audit-store.js';
import { ChangeLog } from './features/audit/change-log.js';
import { environmentRoutes } from './features/environments/environment-routes.js';
import { EnvironmentService } from './features/environments/environment-service.js';
import { type BootstrapResult, bootstrapOwner } from './features/members/bootstrap-owner.js';
import { projectRoutes } from './features/projects/project-routes.js';
import { ProjectService } from './features/projects/project-service.js';
import { createStores } from './features/stores.js';
import { Authenticator } from './http/auth.js';
import { Metrics } from './http/metrics.js';
import type { TypedApp } from './http/typed-app.js';
import { type Clock, systemClock } from './shared/ids.js';

export interface Switchboard {
  readonly app: TypedApp;
  readonly database: DatabaseHandle;
  readonly bootstrap: BootstrapResult | undefined;
  close(): Promise<void>;
}

export interface BuildOptions {
  readonly logger?: FastifyServerOptions['logger'];
  readonly clock?: Clock;
}

/** Paths of values that must never reach a log line. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.password',
  '*.secret',
  'config.token',
];

/** The one place where stores, services and the HTTP app are constructed and wired. */
export async function buildSwitchboard(config: Config, options: BuildOptions = {}): Promise<Switchboard> {
  const database = openDatabase(config.databaseUrl);
  const { db } = database;
  try {
    await migrateToLatest(db);
    const clock = options.clock ?? systemClock;
    const stores = createStores();
    const metrics = new Metrics();
    const audit = new AuditStore();
    const changes = new ChangeLog(db, audit, config.baseUrl, clock);
    changes.addFanOut(async () => metrics.auditEntries.inc());

    const bootstrap = await bootstrapOwner(stores, changes, {
      email: config.adminEmail,
      password: config.adminPassword,
      token: config.adminToken,
    });

    const projects = new ProjectService(stores, changes);
    const environments = new EnvironmentService(stores, changes, []);

    const app = await buildApp({
      authenticator: new Authenticator(db, stores),
      metrics,
      logger: options.logger ?? false,
      isReady: async () => {
        await sql`select 1`.execute(db);
        return true;
      },
      routes: [
        projectRoutes(projects),
        environmentRoutes(environments),
        auditRoutes(new AuditService(db, audit)),
      ],
    });
    return {
      app,
      database,
      bootstrap,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
