import type { FakeHipChatOptions, FakeHipChatRoom, FakeHipChatToken } from '../helpers/fake-hipchat.js';

export interface RunnerArgs {
  readonly port: number;
  readonly host: string;
  readonly rooms: readonly FakeHipChatRoom[];
  readonly tokens: readonly FakeHipChatToken[];
  readonly limits: boolean;
  readonly quiet: boolean;
}

export const runnerUsage = `usage: npx tsx test/fake-hipchat/main.ts [--port 8089] [--host 127.0.0.1]
    --room <id>:<name>:<token>   a room and its room notification token (repeatable)
    [--token <token>]            a user token with send_notification, valid for every room (repeatable)
    [--no-limits]                no rate limit or flood control (benchmarks)
    [--quiet]                    do not print each request`;

/**
 * `--room 1:Ops Team:token123`: the ID is before the first colon and the token after the last,
 * so a room name may itself contain colons.
 */
export function parseRoomSpec(spec: string): { room: FakeHipChatRoom; token: FakeHipChatToken } {
  const first = spec.indexOf(':');
  const last = spec.lastIndexOf(':');
  const id = spec.slice(0, first);
  const name = spec.slice(first + 1, last);
  const token = spec.slice(last + 1);
  if (first === -1 || first === last || !/^\d+$/.test(id) || name === '' || token === '') {
    throw new Error(`--room expects <id>:<name>:<token>, got '${spec}'`);
  }
  return { room: { id: Number(id), name }, token: { token, roomId: Number(id) } };
}

export function parseRunnerArgs(argv: readonly string[]): RunnerArgs {
  let port = 8089;
  let host = '127.0.0.1';
  const rooms: FakeHipChatRoom[] = [];
  const tokens: FakeHipChatToken[] = [];
  let limits = true;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    switch (arg) {
      case '--port': {
        const text = value();
        port = Number(text);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new Error(`--port: '${text}' is not a port`);
        break;
      }
      case '--host':
        host = value();
        break;
      case '--room': {
        const parsed = parseRoomSpec(value());
        rooms.push(parsed.room);
        tokens.push(parsed.token);
        break;
      }
      case '--token':
        tokens.push({ token: value() });
        break;
      case '--no-limits':
        limits = false;
        break;
      case '--quiet':
        quiet = true;
        break;
      default:
        throw new Error(`unknown argument '${arg}'`);
    }
  }
  return { port, host, rooms, tokens, limits, quiet };
}

export function fakeOptionsFrom(args: RunnerArgs): FakeHipChatOptions {
  return {
    port: args.port,
    host: args.host,
    rooms: args.rooms,
    tokens: args.tokens,
    ...(args.limits ? {} : { tokenRateLimit: null, roomFloodLimit: null }),
  };
}
