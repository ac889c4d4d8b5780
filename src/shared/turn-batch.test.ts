import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.js';

/** A read that answers when told to, and remembers each key it was started for. */
function controlledReads() {
  const started: string[] = [];
  const answers: ((value: string) => void)[] = [];
  const reads = TurnBatch.each((key: string) => {
    started.push(key);
    return new Promise<string>((resolve) => answers.push(resolve));
  });
  const answerAll = (suffix: string) => {
    for (const answer of answers.splice(0)) answer(suffix);
  };
  return { reads, started, answerAll };
}

describe('TurnBatch', () => {
  it('starts one read for the callers of one key in a turn, and one per key', async () => {
    const { reads, started, answerAll } = controlledReads();
    const asked = [reads.get('a'), reads.get('a'), reads.get('b'), reads.get('a')];
    expect(started).toEqual([]);
    await nextTurn();
    expect(started).toEqual(['a', 'b']);
    answerAll('!');
    expect(await Promise.all(asked)).toEqual(['!', '!', '!', '!']);
  });

  it('never lets a caller join a read that was already started', async () => {
    // What the sharing must not do: answer a later caller from a read sent before it asked,
    // which may predate a change that caller saw committed (a token revoked).
    const { reads, started, answerAll } = controlledReads();
    const first = reads.get('token');
    await nextTurn();
    expect(started).toEqual(['token']);
    const second = reads.get('token');
    await nextTurn();
    expect(started).toEqual(['token', 'token']);
    answerAll('answer');
    expect(await Promise.all([first, second])).toEqual(['answer', 'answer']);
  });

  it('gives every caller the failure of their read, thrown or rejected', async () => {
    const reads = TurnBatch.each((key: string): Promise<string> => {
      if (key === 'thrown') throw new Error('thrown at once');
      return Promise.reject(new Error(`no ${key}`));
    });
    const rejected = [reads.get('k'), reads.get('k')];
    const thrown = reads.get('thrown');
    for (const read of rejected) await expect(read).rejects.toThrow('no k');
    await expect(thrown).rejects.toThrow('thrown at once');
  });

  it('hands the turn’s keys to answerMany at once, each with its first caller’s context', async () => {
    const calls: [string[], string[]][] = [];
    const reads = new TurnBatch<string, string, string>(async (keys, contexts) => {
      calls.push([[...keys], [...contexts]]);
      return keys.map(
        (key): PromiseSettledResult<string> =>
          key === 'gone'
            ? { status: 'rejected', reason: new Error('gone') }
            : { status: 'fulfilled', value: key.toUpperCase() },
      );
    });
    const asked = [reads.get('a', 'tx1'), reads.get('b', 'tx2'), reads.get('a', 'tx3')];
    const gone = reads.get('gone', 'tx4');
    expect(await Promise.all(asked)).toEqual(['A', 'B', 'A']);
    await expect(gone).rejects.toThrow('gone');
    expect(calls).toEqual([
      [
        ['a', 'b', 'gone'],
        ['tx1', 'tx2', 'tx4'],
      ],
    ]);
  });
});
