import { describe, expect, it } from 'vitest';
import { integrationKinds } from './integration-kinds.js';

describe('HipChat config targets (what the SSRF guard checks at save time)', () => {
  const parse = integrationKinds.hipchat.parse;
  const stored = { room: 'Ops', server: 'https://hipchat.example.com', notify: false };

  it('names the server when it is set or changed', () => {
    const created = parse({ room: 'Ops', token: 't', server: 'https://hipchat.example.com/' }, undefined);
    expect(created.targets).toEqual([{ pointer: '/config/server', url: 'https://hipchat.example.com' }]);
    const moved = parse({ room: 'Ops', token: '********', server: 'https://chat.example.org' }, stored);
    expect(moved.targets).toEqual([{ pointer: '/config/server', url: 'https://chat.example.org' }]);
  });

  it('names nothing when an update keeps the server, or there is none', () => {
    expect(
      parse({ room: 'Ops 2', token: '********', server: 'https://hipchat.example.com' }, stored).targets,
    ).toEqual([]);
    expect(parse({ room: 'Ops', token: 't' }, undefined).targets).toEqual([]);
  });
});
