// The shutdown sequence: each part registers how to stop itself as it starts, and stopping
// runs those steps in reverse order, so a part stops before what it depends on. A failing
// step is logged and the rest still run. Start-up that fails halfway stops what had started.
import type { Logger } from 'pino';

export class Shutdown {
  private readonly steps: (() => Promise<void> | void)[] = [];
  private stopping: Promise<void> | undefined;
  private readonly log: Pick<Logger, 'warn'>;

  constructor(log: Pick<Logger, 'warn'>) {
    this.log = log;
  }

  /** Registers the step that undoes what was just started. */
  push(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  /** Runs every registered step, last registered first; a second call waits for the first. */
  stopAll(): Promise<void> {
    this.stopping ??= this.run();
    return this.stopping;
  }

  private async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (err) {
        this.log.warn({ err }, 'error while stopping');
      }
    }
  }
}
