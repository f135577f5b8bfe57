import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportFile } from './report-file';
import { writeChunk } from './report-writer';

describe('report file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'report-file-')), 'reports');
  });
  afterEach(() => rm(join(dir, '..'), { recursive: true, force: true }));

  it('writes to a part file, then publishes the whole file under its final name with its SHA-256', async () => {
    const file = await ReportFile.create(dir, 'r1.csv', 1);
    await writeChunk(file.sink, 'a,b\r\n');
    await writeChunk(file.sink, '1,2\r\n');
    expect(await readdir(dir)).toEqual(['r1.csv.1.part']);
    file.sink.end();
    const { sha256, bytes } = await file.complete();
    expect(await readdir(dir)).toEqual(['r1.csv.1.part']);
    await file.publish();
    expect(await readdir(dir)).toEqual(['r1.csv']);
    const content = await readFile(join(dir, 'r1.csv'));
    expect(content.toString()).toBe('a,b\r\n1,2\r\n');
    expect(bytes).toBe(10);
    expect(sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });

  it('starts over: the parts of earlier attempts are removed, the final files of other reports kept', async () => {
    const first = await ReportFile.create(dir, 'r2.xlsx', 1);
    await writeChunk(first.sink, 'half a file');
    await writeFile(join(dir, 'r3.xlsx'), 'another report');
    await writeFile(join(dir, 'r3.xlsx.1.part'), 'another report, in progress');
    const second = await ReportFile.create(dir, 'r2.xlsx', 2);
    expect((await readdir(dir)).sort()).toEqual(['r2.xlsx.2.part', 'r3.xlsx', 'r3.xlsx.1.part']);
    await second.discard();
    await first.discard();
    expect((await readdir(dir)).sort()).toEqual(['r3.xlsx', 'r3.xlsx.1.part']);
  });

  it('fails to start where the reports directory cannot be a directory', async () => {
    await writeFile(dir, 'a file, not a directory');
    await expect(ReportFile.create(dir, 'r4.csv', 1)).rejects.toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) });
  });
});
