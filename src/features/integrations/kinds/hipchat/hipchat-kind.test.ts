import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../errors/app-errors.js';
import type { PreviousConfig } from '../kind.js';
import { hipChatKind } from './hipchat-kind.js';

/** The parse of an update: the stored config (its token opened). */
const parse = (input: Record<string, unknown>, stored: Record<string, unknown> | undefined) =>
  hipChatKind.parse(
    input,
    stored === undefined ? undefined : ({ config: stored, secret: 'room-token' } satisfies PreviousConfig),
  );

describe('HipChat config targets (what the SSRF guard checks at save time)', () => {
  const stored = { room: 'Ops', server: 'https://hipchat.example.com', notify: false };

  it('names the server when it is set or changed', () => {
    const created = parse({ room: 'Ops', token: 't', server: 'https://hipchat.example.com/' }, undefined);
    expect(created.targets).toEqual([{ pointer: '/config/server', url: 'https://hipchat.example.com' }]);
    const moved = parse({ room: 'Ops', token: 'room-token', server: 'https://chat.example.org' }, stored);
    expect(moved.targets).toEqual([{ pointer: '/config/server', url: 'https://chat.example.org' }]);
  });

  it('names nothing when an update keeps the server, or there is none', () => {
    expect(
      parse({ room: 'Ops 2', token: '********', server: 'https://hipchat.example.com' }, stored).targets,
    ).toEqual([]);
    expect(parse({ room: 'Ops', token: 't' }, undefined).targets).toEqual([]);
  });
});

describe('HipChat token across a change of server', () => {
  const stored = { room: 'Ops', server: 'https://hipchat.example.com', notify: false };
  const problems = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      if (error instanceof ValidationError) return error.problems;
      throw error;
    }
    return [];
  };

  it('the mask keeps the token while the server stays (trailing slash or not), whatever else changes', () => {
    expect(
      parse({ room: 'Dev', token: '********', server: 'https://hipchat.example.com/' }, stored).secret,
    ).toEqual({ keep: true });
    expect(parse({ room: 'Ops', token: '********' }, { room: 'Ops', notify: true }).secret).toEqual({
      keep: true,
    });
  });

  it('the mask is refused when the server changes, is added or is removed', () => {
    const moved = [{ pointer: '/config/token', message: 'is required when /config/server changes' }];
    expect(
      problems(() => parse({ room: 'Ops', token: '********', server: 'https://evil.example' }, stored)),
    ).toEqual(moved);
    expect(problems(() => parse({ room: 'Ops', token: '********' }, stored))).toEqual(moved);
    expect(
      problems(() =>
        parse(
          { room: 'Ops', token: '********', server: 'https://evil.example' },
          { room: 'Ops', notify: false },
        ),
      ),
    ).toEqual(moved);
  });
});
