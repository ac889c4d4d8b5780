import type { WebhookConfig } from './webhook-config.js';

/**
 * What a webhook keeps sealed in its row's `secret` column: the URL it posts to (a secret, like a
 * Slack or Teams URL: it often carries a token in its path or query) and, when it signs, the
 * signing secret. Sealed together, as JSON, so one row keeps one ciphertext.
 */
export interface WebhookSecrets {
  readonly url: string;
  readonly signingSecret?: string | undefined;
}

export function webhookSecretsText(secrets: WebhookSecrets): string {
  return JSON.stringify(
    secrets.signingSecret === undefined
      ? { url: secrets.url }
      : { url: secrets.url, signingSecret: secrets.signingSecret },
  );
}

/**
 * The opened secret of a webhook. A row written before URLs were sealed has the URL in its
 * document and the bare signing secret (or nothing) sealed; the start-up reseals such rows
 * (`webhookKind.upgrade`), and until then they are read as they are.
 */
export function webhookSecretsOf(
  config: Readonly<WebhookConfig>,
  opened: string | undefined,
): WebhookSecrets {
  if (typeof config.url === 'string') return { url: config.url, signingSecret: opened };
  if (opened === undefined) throw new Error('webhook has neither a sealed nor a plain URL');
  const parsed = JSON.parse(opened) as { url?: unknown; signingSecret?: unknown };
  if (typeof parsed.url !== 'string') throw new Error('webhook secret has no URL');
  return {
    url: parsed.url,
    signingSecret: typeof parsed.signingSecret === 'string' ? parsed.signingSecret : undefined,
  };
}
