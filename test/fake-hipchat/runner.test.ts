import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeOptionsFrom, parseRoomSpec, parseRunnerArgs } from './runner-args.js';

describe('parseRunnerArgs', () => {
  it('reads port, host, rooms with their tokens, user tokens and flags', () => {
    const args = parseRunnerArgs([
      '--port',
      '8090',
      '--room',
      '1:Ops:token123',
      '--room',
      '2:Ops Team: prod:tok2',
      '--token',
      'admin',
      '--no-limits',
      '--quiet',
    ]);
    expect(args).toEqual({
      port: 8090,
      host: '127.0.0.1',
      rooms: [
        { id: 1, name: 'Ops' },
        { id: 2, name: 'Ops Team: prod' },
      ],
      tokens: [{ token: 'token123', roomId: 1 }, { token: 'tok2', roomId: 2 }, { token: 'admin' }],
      limits: false,
      quiet: true,
    });
    expect(fakeOptionsFrom(args)).toMatchObject({ port: 8090, tokenRateLimit: null, roomFloodLimit: null });
  });

  it('defaults to port 8089 with limits on', () => {
    const args = parseRunnerArgs([]);
    expect(args).toMatchObject({ port: 8089, limits: true, rooms: [] });
    expect(fakeOptionsFrom(args)).not.toHaveProperty('tokenRateLimit');
  });

  it.each([
    [['--port', 'x'], /not a port/],
    [['--port'], /needs a value/],
    [['--room', 'Ops:token'], /expects <id>:<name>:<token>/],
    [['--room', 'x:Ops:token'], /expects/],
    [['--room', '1::token'], /expects/],
    [['--bogus'], /unknown argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseRunnerArgs(argv)).toThrow(message);
  });

  it('parseRoomSpec takes the ID before the first colon and the token after the last', () => {
    expect(parseRoomSpec('7:a:b:c')).toEqual({
      room: { id: 7, name: 'a:b' },
      token: { token: 'c', roomId: 7 },
    });
  });
});

describe('the standalone runner', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGTERM');
    child = undefined;
  });

  it('serves the API and prints what it receives', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const proc = spawn(tsx, [main, '--port', '0', '--room', '1:Ops Team:token123'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      output += chunk;
    });
    const waitForOutput = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`runner printed: ${output}`)), 15_000);
        const check = () => {
          const match = pattern.exec(output);
          if (match === null) return;
          clearTimeout(timer);
          proc.stdout?.off('data', check);
          resolve(match);
        };
        proc.stdout?.on('data', check);
        check();
      });

    const [, url] = await waitForOutput(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const res = await request(`${url}/v2/room/Ops%20Team/notification`, {
      method: 'POST',
      headers: { authorization: 'Bearer token123', 'content-type': 'application/json' },
      body: JSON.stringify({ message: '<b>hello</b>', color: 'green' }),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(204);
    const [line] = await waitForOutput(
      /204 POST room='Ops Team' \(#1\) token=tok… color=green[^\n]*\n {2}<b>hello<\/b>/,
    );
    expect(line).not.toContain('token123');
  }, 30_000);
});
