/**
 * HipChat answers errors with `{"error": {"code", "message", "type"}}`, Slack's Web API with
 * `{"ok": false, "error": "invalid_auth"}`. The message is what a person needs; the raw body stays
 * available beside it.
 */
export function chatAnswerMessage(body: string | undefined): string | undefined {
  if (body === undefined || body === '') return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // Not JSON: the text itself is the answer.
  }
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}
