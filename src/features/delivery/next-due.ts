/**
 * The worker's look at when the next deferred delivery (a retry on the schedule) is due, for its
 * sleep. An answer of "none" is kept for a poll interval, since only a lane that stopped before
 * its queue was drained can defer a delivery (`forget`): a worker at one client looked after
 * every change, for nothing. Another worker's deferred rows are its own to wake for; should it
 * be gone, the poll finds them.
 */
export class NextDueLook {
  private noneUntil = 0;

  constructor(
    private readonly look: (now: number) => Promise<number | undefined>,
    private readonly pollMs: number,
  ) {}

  async dueAt(now: number): Promise<number | undefined> {
    if (now < this.noneUntil) return undefined;
    const due = await this.look(now);
    if (due === undefined) this.noneUntil = now + this.pollMs;
    return due;
  }

  /** A lane stopped with its queue not drained (a retry, a throttle): look again next time. */
  forget(): void {
    this.noneUntil = 0;
  }
}
