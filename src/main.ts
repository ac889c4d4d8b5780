import pino from 'pino';
import { buildSwitchboard } from './composition-root.js';
import { ConfigError, loadConfig } from './config/config.js';
import { loggerOptions } from './logging.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchboard: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = pino(loggerOptions(config.logLevel));
  const switchboard = await buildSwitchboard(config, { logger });
  const { app, bootstrap } = switchboard;

  if (bootstrap !== undefined) {
    // Printed once, to the terminal only (not the log): these are the keys to the account.
    const lines = [
      '',
      'Switchboard first start: created the owner account.',
      `  email:        ${bootstrap.email}`,
      bootstrap.generatedPassword === undefined
        ? undefined
        : `  password:     ${bootstrap.generatedPassword}`,
      bootstrap.generatedToken === undefined ? undefined : `  access token: ${bootstrap.generatedToken}`,
      'Save them now; they are not shown again.',
      '',
    ].filter((l) => l !== undefined);
    process.stdout.write(`${lines.join('\n')}\n`);
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // Graceful first (finish in-flight requests), forced second.
    const force = setTimeout(() => {
      app.log.warn('graceful shutdown timed out; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    switchboard.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  if (address !== null && typeof address === 'object') switchboard.listening(address.port);
  // After the API port, so the first "Server listening" line still names the API.
  await switchboard.metricsApp?.listen({ port: config.metricsPort, host: config.host });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `switchboard: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
