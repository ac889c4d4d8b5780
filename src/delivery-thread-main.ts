import { parentPort, threadId, workerData } from 'node:worker_threads';
import pino from 'pino';
import { openDatabase } from './db/database.js';
import { composeDeliveryWorker, deliveryChannels, outboundHttpFor } from './delivery-root.js';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './delivery-thread.js';
import { IntegrationHealthStore } from './features/delivery/integration-health-store.js';
import { deliveryQueueFor } from './features/delivery/queue/delivery-queue-for.js';
import { createStores } from './features/stores.js';
import { loggerOptions } from './logging.js';
import { systemClock } from './shared/ids.js';
import { SecretBox } from './shared/secret-box.js';

/**
 * The delivery thread's entry (see delivery-thread.ts): its own connection to the database the
 * API's thread has migrated, and a delivery worker composed as the API's process would compose
 * it. It answers `started` once the worker claims, and ends once its sends have finished.
 */
async function run(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('delivery-thread-main.ts runs as a worker thread');
  const data = workerData as DeliveryThreadData;
  const send = (message: FromDeliveryThread) => port.postMessage(message);
  // Structured cloning turned the key's Buffer into a plain Uint8Array.
  const config = { ...data.config, secretKey: Buffer.from(data.config.secretKey) };
  let baseUrl = data.baseUrl;
  const log = pino(loggerOptions(data.logLevel));
  const database = await openDatabase(config.databaseUrl, {
    checkpointer: false,
    writeTurns: data.writeTurns,
    listenCheckMs: config.listenCheckMs,
    databaseTimeoutMs: config.databaseTimeoutMs,
  });
  const http = outboundHttpFor(config, data.timeouts);
  const worker = composeDeliveryWorker({
    config,
    database,
    queue: deliveryQueueFor(database.capabilities, new IntegrationHealthStore(), database.tail),
    integrations: createStores(database.tail).integrations,
    secrets: new SecretBox(config.secretKey),
    http,
    channels: deliveryChannels(config, () => baseUrl),
    clock: systemClock,
    log,
    pollMs: data.pollMs,
  });
  const starting = worker.start();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await starting.catch(() => undefined);
    await worker.stop();
    await http.close();
    await database.close();
    port.close(); // the thread ends: the API's thread hears its exit
  };
  port.on('message', (message: ToDeliveryThread) => {
    if (message.kind === 'wake') {
      if (message.integrationIds === undefined) worker.wake();
      else worker.wake(new Set(message.integrationIds));
    } else if (message.kind === 'forget') worker.forgetIntegration(message.integrationId);
    else if (message.kind === 'baseUrl') baseUrl = message.url;
    else void stop();
  });
  try {
    await starting;
  } catch (error) {
    await http.close();
    await database.close();
    throw error;
  }
  send({ kind: 'started', threadId });
}

run().catch((error: unknown) => {
  parentPort?.postMessage({
    kind: 'failed',
    message: error instanceof Error ? error.message : String(error),
  } satisfies FromDeliveryThread);
  parentPort?.close();
});
