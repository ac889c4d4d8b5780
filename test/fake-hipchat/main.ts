import { FakeHipChat, type ReceivedRequest } from '../helpers/fake-hipchat.js';
import { fakeOptionsFrom, parseRunnerArgs, runnerUsage } from './runner-args.js';

/** A token in a log line: enough to tell tokens apart, not enough to use one. */
function maskToken(token: string): string {
  return token === '' ? '(none)' : `${token.slice(0, 3)}…`;
}

function describe(request: ReceivedRequest): string {
  const time = new Date(request.at).toISOString();
  const room = request.roomId === undefined ? `'${request.room}'` : `'${request.room}' (#${request.roomId})`;
  const head = `${time} ${request.status} ${request.method} room=${room} token=${maskToken(request.token)}`;
  if (request.status !== 204) return `${head} error=${JSON.stringify(request.error ?? '')}`;
  const body = request.body as Record<string, unknown>;
  const problems =
    request.htmlProblems.length === 0 ? '' : ` htmlProblems=${JSON.stringify(request.htmlProblems)}`;
  return `${head} color=${String(body.color ?? 'yellow')} notify=${String(body.notify ?? false)} from=${JSON.stringify(body.from ?? '')}${problems}\n  ${String(body.message)}`;
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseRunnerArgs>;
  try {
    args = parseRunnerArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${runnerUsage}\n`);
    process.exit(2);
  }
  const fake = await FakeHipChat.start({
    ...fakeOptionsFrom(args),
    ...(args.quiet ? {} : { onReceive: (request) => process.stdout.write(`${describe(request)}\n`) }),
  });
  const rooms = args.rooms.map((r) => `#${r.id} '${r.name}'`).join(', ') || 'none';
  process.stdout.write(`fake HipChat listening on http://${args.host}:${fake.port} rooms: ${rooms}\n`);
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
