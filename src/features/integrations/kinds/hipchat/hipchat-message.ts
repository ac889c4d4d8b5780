import type { AuditEntry } from '../../../audit/audit-model.js';
import {
  br,
  escapeHtml,
  fitPieces,
  inlinePieces,
  type Piece,
  text,
  wrap,
} from '../../rendering/audit-html.js';
import { changeSummary, parseInline } from '../../rendering/audit-markdown.js';

export type HipChatColor = 'yellow' | 'green' | 'red' | 'purple' | 'gray';

/** The body of `POST /v2/room/{room}/notification` as Switchboard sends it. */
export interface HipChatMessage {
  readonly from: string;
  readonly message_format: 'html';
  readonly color: HipChatColor;
  readonly notify: boolean;
  readonly message: string;
}

export interface HipChatRenderOptions {
  readonly notify: boolean;
  /** Label beside the sender name; HipChat allows 64 characters. */
  readonly from?: string;
}

/** HipChat rejects a longer message (400), so the renderer cuts to this. */
export const hipChatMessageLimit = 10_000;
const fromLimit = 64;
const defaultFrom = 'Switchboard';

function summaryPieces(entry: AuditEntry): Piece[] {
  const summary = changeSummary(entry);
  if (summary === undefined) return [];
  const items = summary.lines.map((line) => wrap('li', inlinePieces(parseInline(line))));
  if (summary.more !== undefined) items.push(wrap('li', [text(summary.more)]));
  return wrap('ul', items.flat());
}

function commentPieces(comment: string): Piece[] {
  const lines = comment.split(/\r?\n/);
  const inner = lines.flatMap((line, index) => (index === 0 ? [text(line)] : [br, text(line)]));
  return [br, ...wrap('i', inner)];
}

// ---------------------------------------------------------------------------------------------
// Colour: what kind of change it was, at a glance.

const housekeepingKinds = new Set(['integration', 'webhook']);
const teamKinds = new Set(['member', 'role', 'token', 'team']);

export function hipChatColorFor(entry: Pick<AuditEntry, 'kind' | 'accesses' | 'titleVerb'>): HipChatColor {
  if (housekeepingKinds.has(entry.kind)) return 'gray';
  if (teamKinds.has(entry.kind)) return 'purple';
  const actions = entry.accesses.map((a) => a.action);
  if (actions.some((a) => a.startsWith('delete'))) return 'red';
  if (actions.some((a) => a.startsWith('create'))) return 'green';
  // `updateOn` says a switch moved, not which way; the title verb says which.
  if (actions.includes('updateOn')) {
    if (entry.titleVerb.startsWith('turned on')) return 'green';
    if (entry.titleVerb.startsWith('turned off')) return 'red';
  }
  return 'yellow';
}

function clipFrom(from: string): string {
  let out = '';
  for (const char of from) {
    if (out.length + char.length > fromLimit) break;
    out += char;
  }
  return out;
}

/**
 * The HipChat notification for one audit entry: the title (actor in bold, the target linked,
 * the environment as code), the comment in italics, and for edits a short list of what changed.
 * Every user-controlled string is HTML-escaped; only HipChat's allowed tags are produced.
 */
export function renderHipChatMessage(entry: AuditEntry, options: HipChatRenderOptions): HipChatMessage {
  const title = inlinePieces(parseInline(entry.title));
  const hasTitle = title.some((p) => p.kind === 'text' && p.text.trim() !== '');
  const pieces: Piece[] = hasTitle
    ? title
    : [text(entry.name.trim() === '' ? `A ${entry.kind} changed` : entry.name)];
  if (entry.comment !== undefined && entry.comment.trim() !== '')
    pieces.push(...commentPieces(entry.comment));
  pieces.push(...summaryPieces(entry));
  let message = fitPieces(pieces, hipChatMessageLimit);
  // HipChat requires at least one character.
  if (message === '')
    message = escapeHtml(`A ${entry.kind} changed`).slice(0, hipChatMessageLimit) || 'A change';
  return {
    from: clipFrom(options.from ?? defaultFrom),
    message_format: 'html',
    color: hipChatColorFor(entry),
    notify: options.notify,
    message,
  };
}

/** What `POST …/{id}/test` sends: proof that the room and token work, in housekeeping gray. */
export function renderHipChatTestMessage(integrationName: string, actorName: string): HipChatMessage {
  const pieces: Piece[] = [
    ...wrap('b', [text(actorName)]),
    text(' sent a test notification for the integration '),
    ...wrap('b', [text(integrationName)]),
    text('. Changes that match its policy will appear in this room.'),
  ];
  return {
    from: defaultFrom,
    message_format: 'html',
    color: 'gray',
    notify: false,
    message: fitPieces(pieces, hipChatMessageLimit),
  };
}
