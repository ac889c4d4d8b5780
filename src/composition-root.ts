import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { type DatabaseHandle, openDatabase } from './db/database.js';
import type { Retention } from './delivery-root.js';
import { deliveryChannels, deliveryFor, outboundHttpFor, retentionFor } from './delivery-root.js';
import { DeliveryThread } from './delivery-thread.js';
import { Authenticator } from './features/access/authenticator.js';
import { RequestAuthorization } from './features/access/request-authorization.js';
import { auditRoutes } from './features/audit/audit-routes.js';
import { AuditService } from './features/audit/audit-service.js';
import { AuditStore } from './features/audit/audit-store.js';
import { ChangeLog } from './features/audit/change-log.js';
import { ChannelTestSender } from './features/delivery/channel-test-sender.js';
import { DeliveryActions } from './features/delivery/delivery-actions.js';
import { DeliveryFanOut } from './features/delivery/delivery-fan-out.js';
import { DeliveryLog } from './features/delivery/delivery-log.js';
import type { DeliveryWorker } from './features/delivery/delivery-worker.js';
import { IntegrationHealthStore } from './features/delivery/integration-health-store.js';
import { IntegrationHealthView } from './features/delivery/integration-health-view.js';
import { deliveryQueueFor } from './features/delivery/queue/delivery-queue-for.js';
import { checkTarget } from './features/delivery/ssrf-guard.js';
import { environmentRoutes } from './features/environments/environment-routes.js';
import { EnvironmentService } from './features/environments/environment-service.js';
import { SdkKeyStore } from './features/environments/sdk-key-store.js';
import { flagCopyRoutes } from './features/flags/flag-copy-routes.js';
import { FlagCopies } from './features/flags/flag-copy-service.js';
import { flagEvaluationRoutes } from './features/flags/flag-evaluations-routes.js';
import { FlagLoader } from './features/flags/flag-load.js';
import { flagRoutes } from './features/flags/flag-routes.js';
import { FlagService } from './features/flags/flag-service.js';
import { flagStatusRoutes } from './features/flags/flag-status-routes.js';
import { FlagStatuses } from './features/flags/flag-status-service.js';
import { IntegrationDirectory } from './features/integrations/integration-directory.js';
import { integrationRoutes } from './features/integrations/integration-routes.js';
import { IntegrationService } from './features/integrations/integration-service.js';
import { IntegrationStore } from './features/integrations/integration-store.js';
import { integrationKinds } from './features/integrations/kinds/index.js';
import { webhookRoutes } from './features/integrations/webhook-routes.js';
import { type BootstrapResult, bootstrapOwner } from './features/members/bootstrap-owner.js';
import { Invitations } from './features/members/invitations.js';
import { memberRoutes } from './features/members/member-routes.js';
import { MemberService } from './features/members/member-service.js';
import { metricRoutes } from './features/metrics/metric-routes.js';
import { MetricService } from './features/metrics/metric-service.js';
import { projectRoutes } from './features/projects/project-routes.js';
import { ProjectService } from './features/projects/project-service.js';
import { roleRoutes } from './features/roles/role-routes.js';
import { RoleService } from './features/roles/role-service.js';
import { clientRoutes } from './features/sdk/client-routes.js';
import { ClientSideIds } from './features/sdk/client-side-ids.js';
import { ClientDataCache, ClientStreams } from './features/sdk/client-streams.js';
import { flagEvaluateRoutes } from './features/sdk/flag-evaluate-routes.js';
import { SdkChangeFeed } from './features/sdk/sdk-change-feed.js';
import type { SdkKeyResolver } from './features/sdk/sdk-credentials.js';
import { SdkDataPlane, type SdkDataPlaneOptions } from './features/sdk/sdk-data-plane.js';
import { sdkEventRoutes } from './features/sdk/sdk-events-routes.js';
import { SdkEventsService } from './features/sdk/sdk-events-service.js';
import { FlagEvaluationStore } from './features/sdk/sdk-events-store.js';
import { SdkKeys } from './features/sdk/sdk-keys.js';
import { sdkRoutes } from './features/sdk/sdk-routes.js';
import { segmentRoutes } from './features/segments/segment-routes.js';
import { SegmentService } from './features/segments/segment-service.js';
import { sessionRoutes, setSessionCookie } from './features/sessions/session-routes.js';
import { SessionService } from './features/sessions/session-service.js';
import { SignInLimiter } from './features/sessions/sign-in-limiter.js';
import { createStores } from './features/stores.js';
import { tokenRoutes } from './features/tokens/token-routes.js';
import { TokenService } from './features/tokens/token-service.js';
import { buildMetricsApp, Metrics } from './http/metrics.js';
import { restRateLimiterFor } from './http/shared-rate-counts.js';
import type { TypedApp } from './http/typed-app.js';
import { type Clock, systemClock } from './shared/ids.js';
import { pick } from './shared/pick.js';
import { projectRoot } from './shared/project-root.js';
import { SecretBox } from './shared/secret-box.js';

export interface Switchboard {
  readonly app: TypedApp;
  /** The /metrics listener for SWITCHBOARD_METRICS_PORT; undefined when metrics share the API port. */
  readonly metricsApp: FastifyInstance | undefined;
  readonly database: DatabaseHandle;
  readonly bootstrap: BootstrapResult | undefined;
  /**
   * Undefined when this process does not deliver (`SWITCHBOARD_ROLE=api`); a thread of its own
   * on a SQLite file (`capabilities.deliveryThread`).
   */
  readonly worker: DeliveryWorker | DeliveryThread | undefined;
  /** Prunes finished deliveries and old audit entries where deliveries are sent (not with `SWITCHBOARD_ROLE=api`). */
  readonly retention: Retention | undefined;
  /** Every mutating use case's unit of work (tests drive a change that rolls back through it). */
  readonly changes: ChangeLog;
  /** The server-side SDK data plane: the change feed and the streams it feeds. */
  readonly sdk: {
    readonly feed: SdkChangeFeed;
    readonly plane: SdkDataPlane;
    readonly clients: ClientStreams;
  };
  /** Which environment an SDK or mobile key opens (the SDK endpoints' door). */
  readonly sdkKeys: SdkKeyResolver;
  /**
   * Call once the server listens: without SWITCHBOARD_BASE_URL the links in audit entries,
   * notifications and invitations point at the port actually bound (PORT=0 picks a free one).
   */
  listening(port: number): void;
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Defaults to a silent logger (tests); `main.ts` passes the real one. */
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Tests shorten the HTTP timeouts of deliveries, or lengthen the worker's fallback poll. */
  readonly deliveryTimeouts?: { connectMs: number; totalMs: number };
  readonly deliveryPollMs?: number;
  /** False keeps delivery on the API's event loop even where it could have a thread. */
  readonly deliveryThread?: boolean;
  /** Where the built web UI is; defaults to `web/dist` in the project. */
  readonly webRoot?: string;
  /** Tests shorten the heartbeat and the unread bytes a stream may hold. */
  readonly sdkStreams?: SdkDataPlaneOptions;
}

/** The one place where stores, services, the delivery worker and the HTTP app are constructed. */
export async function buildSwitchboard(config: Config, options: BuildOptions = {}): Promise<Switchboard> {
  const database = await openDatabase(
    config.databaseUrl,
    pick(config, 'listenCheckMs', 'databaseTimeoutMs', 'poolSize'),
  );
  const { db } = database;
  let baseUrl = config.baseUrl;
  const currentBaseUrl = () => baseUrl;
  const logger = options.logger ?? pino({ level: 'silent' });
  const http = outboundHttpFor(config, options.deliveryTimeouts);
  try {
    await database.migrate();
    const clock = options.clock ?? systemClock;
    const stores = createStores(database.tail);
    const metrics = new Metrics();
    const audit = new AuditStore(database.tail);
    const health = new IntegrationHealthStore();
    // The queue for this database (SQLite or PostgreSQL), chosen once.
    const queue = deliveryQueueFor(database.capabilities, health, database.tail);
    const secrets = new SecretBox(config.secretKey);
    const directory = new IntegrationDirectory(database.tail);
    const sessions = new SessionService({
      db,
      members: stores.members,
      roles: stores.roles,
      limiter: new SignInLimiter(),
      clock,
    });
    const authenticator = new Authenticator({
      db,
      roles: stores.roles,
      sessions,
      shareLookups: database.capabilities.sharedReads,
    });
    // The one authorization path: the routes' declared reads, and every change as it is recorded.
    const authorization = new RequestAuthorization({ db, projects: stores.projects, authenticator });
    const changes = new ChangeLog({
      db,
      audit,
      baseUrl: currentBaseUrl,
      clock,
      groupCommit: database.capabilities.groupCommit,
      tail: database.tail,
      authorize: authorization.admitChange,
    });
    // Counted once committed: a change run again after a stale read, or rolled back, is not.
    changes.addFanOut(async (_tx, _record, afterCommit) => afterCommit(() => metrics.auditEntries.inc()));
    metrics.watchListens(database.notifier);

    const channels = deliveryChannels(config, currentBaseUrl);
    const worker =
      config.role === 'api'
        ? undefined
        : deliveryFor({
            ...{ config, database, queue, secrets, http, channels, clock },
            integrations: stores.integrations,
            log: logger,
            pollMs: options.deliveryPollMs,
            timeouts: options.deliveryTimeouts,
            baseUrl: currentBaseUrl,
            // A test's clock cannot cross into a thread.
            threaded: options.clock === undefined && options.deliveryThread !== false,
          });
    // Finished deliveries and audit entries past their retention go, pruned where deliveries are sent.
    const retention = worker && retentionFor({ config, db, queue, audit, clock, logger, metrics });
    // In each change's transaction: its deliveries; after its commit: this process's worker.
    const fanOut = new DeliveryFanOut({
      integrations: directory,
      queue,
      notifier: database.notifier,
      worker,
      db,
    }).attach(changes);
    const wake = (integrationId: string) => fanOut.wake(integrationId);
    const bootstrap = await bootstrapOwner(pick(stores, 'members', 'tokens'), changes, {
      email: config.adminEmail,
      password: config.adminPassword,
      token: config.adminToken,
    });

    const flagStores = pick(stores, 'projects', 'environments', 'flags', 'members');
    const flags = new FlagService(flagStores, changes, new FlagLoader(database.capabilities.sharedReads, db));
    const flagCopies = new FlagCopies(pick(stores, 'projects', 'environments', 'flags', 'members'), changes);
    const deliveryActions = new DeliveryActions({
      db,
      queue,
      health,
      sender: new ChannelTestSender(http, channels, clock),
      clock,
      wake,
    });
    const targetGuard = async (url: string) => {
      const check = await checkTarget(url, { allowPrivateTargets: config.allowPrivateTargets });
      // A name that does not resolve now may resolve later (and is checked again at send time).
      return !check.ok && check.errorClass === 'ssrf_refused' ? check.message : undefined;
    };
    const integrations = new IntegrationService({
      db,
      store: new IntegrationStore(stores.integrations),
      changes,
      queue,
      health: new IntegrationHealthView(queue),
      audit,
      secrets,
      actions: deliveryActions,
      guard: targetGuard,
      changed: (id) => worker?.forgetIntegration(id),
    });
    // Webhook URLs are secrets: seal any still in clear from before they were (issue #13).
    await integrations.upgradeStoredRows(integrationKinds);
    const deliveryLog = new DeliveryLog(db, clock);
    const sdkKeyStore = new SdkKeyStore(secrets);
    const environments = new EnvironmentService({
      stores: pick(stores, 'projects', 'environments', 'segments'),
      changes,
      hooks: [flags],
      keys: sdkKeyStore,
    });
    // SDK keys left the environment documents (migration 005): seal any still there.
    await environments.sealPlainKeys();
    const sdkKeys = new SdkKeys(db, sdkKeyStore, clock);
    // After the delivery fan-out: an SDK hears a change only once it has committed.
    const sdkFeed = new SdkChangeFeed(database.notifier, logger.child({ component: 'sdk' }));
    changes.addFanOut(sdkFeed.fanOut);
    const sdkPlane = new SdkDataPlane(
      db,
      pick(stores, 'environments', 'flags', 'segments'),
      sdkKeys,
      logger.child({ component: 'sdk' }),
      options.sdkStreams,
    );
    sdkFeed.subscribe(sdkPlane);
    metrics.watchSdkStreams(sdkPlane);
    changes.onCommitted(() => sdkKeys.forget());
    const clientSideIds = new ClientSideIds(db, clock);
    changes.onCommitted(() => clientSideIds.forget());
    const clientCache = new ClientDataCache();
    const clientStreams = new ClientStreams(sdkPlane, clientCache, logger.child({ component: 'sdk' }), {
      heartbeatMs: options.sdkStreams?.heartbeatMs,
      maxBufferedBytes: options.sdkStreams?.maxBufferedBytes,
    });
    metrics.watchClientStreams(clientStreams);
    const sdkEvents = new SdkEventsService(
      db,
      pick(stores, 'projects', 'environments', 'flags'),
      new FlagEvaluationStore(),
      {
        clock,
        onDropped: (evaluations) => metrics.sdkEvaluationsDropped.inc(evaluations),
        onPayload: (outcome) => metrics.sdkEventPayloads.inc({ outcome }),
        onWriteError: (error) =>
          logger.warn({ err: error }, 'SDK evaluation counts not written; trying again at the next flush'),
      },
    );

    const invitations = new Invitations({
      db,
      stores: pick(stores, 'members'),
      site: { configured: !config.baseUrlFromPort, baseUrl: currentBaseUrl },
      clock,
    });
    const members = new MemberService(pick(stores, 'members', 'roles', 'tokens'), changes, invitations);
    // Secure cookies only over https; a plain-http localhost start must still be able to sign in.
    const secureCookies = config.baseUrl.startsWith('https:');
    const app = await buildApp({
      guard: authorization,
      webRoot: options.webRoot ?? join(projectRoot(), 'web', 'dist'),
      rateLimiter: restRateLimiterFor(config.apiRateLimit, database.capabilities, db, logger),
      metrics,
      // With a metrics port of its own, the API port does not serve them at all.
      metricsToken: config.metricsPort === undefined ? config.metricsToken : undefined,
      logger,
      isReady: async () => {
        await sql`select 1`.execute(db);
        return true;
      },
      routes: [
        projectRoutes(
          new ProjectService(
            pick(stores, 'projects', 'environments', 'flags', 'segments', 'metrics'),
            changes,
            sdkKeyStore,
          ),
        ),
        environmentRoutes(environments),
        flagRoutes(flags, flagCopies),
        flagCopyRoutes(flagCopies),
        segmentRoutes(new SegmentService(pick(stores, 'projects', 'environments', 'segments'), changes)),
        metricRoutes(new MetricService(pick(stores, 'projects', 'metrics', 'members'), changes)),
        roleRoutes(new RoleService(pick(stores, 'roles', 'members', 'tokens'), changes)),
        memberRoutes(members, invitations, async (reply, memberId) => {
          const session = await sessions.open(memberId);
          setSessionCookie(reply, session.token, session.expiresAt, secureCookies);
        }),
        sessionRoutes(sessions, members, secureCookies),
        tokenRoutes(new TokenService(pick(stores, 'tokens', 'members', 'roles'), changes)),
        integrationRoutes(integrations, deliveryLog, wake),
        webhookRoutes(integrations, deliveryLog, wake),
        auditRoutes(new AuditService(db, audit)),
        flagEvaluationRoutes(sdkEvents),
        flagStatusRoutes(
          new FlagStatuses({
            db,
            stores: pick(stores, 'projects', 'environments', 'flags'),
            evaluations: new FlagEvaluationStore(),
            clock,
          }),
        ),
        flagEvaluateRoutes({ db, ...pick(stores, 'projects', 'environments', 'flags', 'segments') }),
      ],
      rootRoutes: [
        sdkEventRoutes(sdkEvents, sdkKeys),
        sdkRoutes(sdkPlane, sdkKeys),
        clientRoutes({
          plane: sdkPlane,
          cache: clientCache,
          streams: clientStreams,
          ids: clientSideIds,
          keys: sdkKeys,
          events: sdkEvents,
        }),
      ],
    });
    const metricsApp =
      config.metricsPort === undefined
        ? undefined
        : await buildMetricsApp(metrics, config.metricsToken, logger);
    await worker?.start();
    retention?.start();
    sdkEvents.start();
    // Listening before any stream opens (the caller listens after this returns), so no change
    // falls between a `put` and the feed.
    await sdkFeed.start();
    return {
      app,
      metricsApp,
      database,
      bootstrap,
      worker,
      retention,
      changes,
      sdk: { feed: sdkFeed, plane: sdkPlane, clients: clientStreams },
      sdkKeys,
      listening(port) {
        if (!config.baseUrlFromPort) return;
        baseUrl = `http://localhost:${port}`;
        if (worker instanceof DeliveryThread) worker.setBaseUrl(baseUrl);
      },
      close: async () => {
        // Streams first: the server waits for open connections, and these never end alone.
        clientStreams.close();
        sdkPlane.close();
        await sdkFeed.close();
        await app.close();
        await metricsApp?.close();
        // The evaluations counted since the last flush, before the database closes.
        await sdkEvents.close();
        await worker?.stop();
        await retention?.stop();
        await http.close();
        await database.close();
      },
    };
  } catch (error) {
    await http.close();
    await database.close();
    throw error;
  }
}
