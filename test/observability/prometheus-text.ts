/** One scrape of a Prometheus text exposition, for assertions on single series. */
export class PrometheusScrape {
  private readonly series: Array<{ name: string; labels: Record<string, string>; value: number }> = [];

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) continue;
      const labels: Record<string, string> = {};
      for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
      this.series.push({ name: match[1], labels, value: Number(match[3]) });
    }
  }

  /** The value of the series with exactly these labels (0 when absent, as Prometheus treats a counter never incremented). */
  value(name: string, labels: Record<string, string> = {}): number {
    const wanted = Object.entries(labels);
    const found = this.series.find(
      (series) => series.name === name && Object.keys(series.labels).length === wanted.length && wanted.every(([key, value]) => series.labels[key] === value),
    );
    return found?.value ?? 0;
  }

  /** Sum over every series of `name` whose labels include these. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.series
      .filter((series) => series.name === name && Object.entries(labels).every(([key, value]) => series.labels[key] === value))
      .reduce((total, series) => total + series.value, 0);
  }

  has(name: string): boolean {
    return this.series.some((series) => series.name === name);
  }
}
