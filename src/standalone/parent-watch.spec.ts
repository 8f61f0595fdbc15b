import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchNpmParent } from './parent-watch';

describe('watchNpmParent', () => {
  afterEach(() => vi.useRealTimers());

  const npm = { npm_lifecycle_event: 'start' };

  it('stops the receiver when the parent it started with is gone, also when it was gone before the watch began', () => {
    vi.useFakeTimers();
    const onGone = vi.fn();
    // npm stopped during the start-up: the process was re-parented before the watch began.
    const stopWatch = watchNpmParent(onGone, npm, process.ppid + 1);
    vi.advanceTimersByTime(1_000);
    expect(onGone).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(onGone).toHaveBeenCalledTimes(1);
    stopWatch();
  });

  it('does nothing while the parent is the one it started with', () => {
    vi.useFakeTimers();
    const onGone = vi.fn();
    const stopWatch = watchNpmParent(onGone, npm, process.ppid);
    vi.advanceTimersByTime(10_000);
    expect(onGone).not.toHaveBeenCalled();
    stopWatch();
  });

  it('leaves a receiver not started by an npm script alone', () => {
    vi.useFakeTimers();
    const onGone = vi.fn();
    watchNpmParent(onGone, {}, process.ppid + 1);
    vi.advanceTimersByTime(10_000);
    expect(onGone).not.toHaveBeenCalled();
  });
});
