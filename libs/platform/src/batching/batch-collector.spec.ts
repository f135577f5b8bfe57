import { BatchCollector } from './batch-collector';

const tick = () => new Promise((r) => setImmediate(r));

describe('BatchCollector', () => {
  it('runs a lone request at once, and the requests that arrive meanwhile together, within the limits', async () => {
    const batches: number[][] = [];
    const gates: (() => void)[] = [];
    const collector = new BatchCollector<number, string>(
      async (keys) => {
        batches.push(keys);
        await new Promise<void>((open) => gates.push(open));
        return keys.map((k) => `v${k}`);
      },
      3,
      1,
    );
    const first = collector.load(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4, 5, 6, 7].map((k) => collector.load(k));
    await tick();
    expect(batches).toEqual([[1]]); // one batch at a time
    gates.shift()!();
    expect(await first).toBe('v1');
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates.shift()!();
    await tick();
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4], [5, 6, 7]]);
    gates.shift()!();
    expect(await Promise.all(rest)).toEqual(['v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
  });

  it('sending: one send at a time; an item handed in during a send settles only after a later send that includes it', async () => {
    const sends: string[][] = [];
    const gates: (() => void)[] = [];
    const collector = BatchCollector.sending<string>(async (items) => {
      sends.push(items);
      await new Promise<void>((open) => gates.push(open));
    });
    const settled: string[] = [];
    const load = (item: string) => collector.load(item).then(() => void settled.push(item));
    const first = load('a');
    await tick();
    const later = [load('b'), load('c')];
    await tick();
    expect(sends).toEqual([['a']]);
    gates.shift()!();
    await first;
    await tick();
    expect(settled).toEqual(['a']); // b and c were handed in after the first send started
    expect(sends).toEqual([['a'], ['b', 'c']]);
    gates.shift()!();
    await Promise.all(later);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it('runs up to maxRunning batches at once', async () => {
    let running = 0;
    let peak = 0;
    const collector = new BatchCollector<number, number>(
      async (keys) => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return keys;
      },
      2,
      3,
    );
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => collector.load(i)));
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it('fails only the bad request of a failed batch: the others run again alone', async () => {
    const batches: number[][] = [];
    const collector = new BatchCollector<number, number>(
      async (keys) => {
        batches.push(keys);
        if (keys.includes(13)) throw new Error('bad key 13');
        return keys.map((k) => k * 2);
      },
      10,
      1,
    );
    const results = await Promise.allSettled([11, 12, 13, 14].map((k) => collector.load(k)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([22, 24, 'bad key 13', 28]);
    expect(batches).toEqual([[11, 12, 13, 14], [11], [12], [13], [14]]);
  });
});
