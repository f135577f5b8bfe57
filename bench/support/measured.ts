import { performance } from 'node:perf_hooks';

/** What `work` returned, its seconds, and this process's memory before it and at most while it ran, in MB. */
export interface Measured<T> {
  result: T;
  seconds: number;
  startRssMb: number;
  peakRssMb: number;
  startHeapMb: number;
  peakHeapMb: number;
}

/** Runs `work`, sampling this process's RSS and V8 heap used every 10 ms. */
export async function measured<T>(work: () => Promise<T>): Promise<Measured<T>> {
  const mb = (bytes: number) => bytes / 2 ** 20;
  const start = process.memoryUsage();
  const peak = { rss: start.rss, heapUsed: start.heapUsed };
  const sample = () => {
    const now = process.memoryUsage();
    peak.rss = Math.max(peak.rss, now.rss);
    peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
  };
  const timer = setInterval(sample, 10);
  const started = performance.now();
  try {
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    sample();
    return {
      result,
      seconds,
      startRssMb: mb(start.rss),
      peakRssMb: mb(peak.rss),
      startHeapMb: mb(start.heapUsed),
      peakHeapMb: mb(peak.heapUsed),
    };
  } finally {
    clearInterval(timer);
  }
}
