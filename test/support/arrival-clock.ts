import { ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

const PROCESS = path.resolve(__dirname, 'arrival-clock/arrival-clock-process.cjs');

export interface Arrival {
  /** Milliseconds since the epoch, on the arrival clock's own event loop. */
  at: number;
  method: string;
  path: string;
}

/**
 * A reverse proxy in a child process of its own that notes when each request arrives. Timing
 * assertions about what a server sees (e.g. requests per second) need the time of arrival: a
 * server in the test's own process (the Tradecloud simulator next to receivers that are busy
 * applying pages) notes it whenever that busy event loop gets round to the request, so requests
 * seconds apart can be noted together. This process does nothing else, so its times stay close
 * to the real arrivals even on a loaded machine.
 */
export class ArrivalClock {
  private readonly arrivals: Arrival[] = [];
  private readonly flushes = new Map<number, () => void>();
  private flushCount = 0;

  private constructor(
    private readonly child: ChildProcess,
    /** The target's URL with the proxy's origin (same path). */
    readonly url: string,
  ) {
    child.on('message', (message: { arrival?: Arrival; flushed?: number }) => {
      if (message.arrival) this.arrivals.push(message.arrival);
      if (message.flushed !== undefined) this.flushes.get(message.flushed)?.();
    });
  }

  /** Starts a clock in front of `target` (e.g. the simulator's base URL). */
  static async start(target: string): Promise<ArrivalClock> {
    const child = fork(PROCESS, [target], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`arrival clock exited with ${code}`)));
      child.on('message', (message: { listening?: number }) => {
        if (message.listening) resolve(message.listening);
      });
    });
    const url = new URL(target);
    url.host = `127.0.0.1:${port}`;
    return new ArrivalClock(child, url.toString().replace(/\/$/, ''));
  }

  /** Every arrival so far (after the ones still on their way over IPC have come in). */
  async noted(): Promise<Arrival[]> {
    const id = ++this.flushCount;
    await new Promise<void>((resolve) => {
      this.flushes.set(id, resolve);
      this.child.send({ flush: id });
    });
    this.flushes.delete(id);
    return [...this.arrivals];
  }

  /** Forgets every arrival so far (including those still on their way). */
  async clear(): Promise<void> {
    await this.noted();
    this.arrivals.length = 0;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}
