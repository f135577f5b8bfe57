import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { CsvRecordEnds } from './csv-record-ends';

async function through(chunks: string[]): Promise<{ text: string; records: number }> {
  const ends = new CsvRecordEnds();
  const text = (await buffer(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(ends))).toString();
  return { text, records: ends.records };
}

describe('CsvRecordEnds', () => {
  const csv = 'a,b\n"line\nbreak","say ""hi""\n, ok"\n3,\n';

  it('ends records with CRLF and leaves line breaks inside quoted values alone', async () => {
    const { text, records } = await through([csv]);
    expect(text).toBe('a,b\r\n"line\nbreak","say ""hi""\n, ok"\r\n3,\r\n');
    expect(records).toBe(3);
    expect(parse(text, { record_delimiter: '\r\n' })).toEqual([
      ['a', 'b'],
      ['line\nbreak', 'say "hi"\n, ok'],
      ['3', ''],
    ]);
  });

  it('gives the same bytes however the input is cut into chunks', async () => {
    const whole = await through([csv]);
    for (let cut = 1; cut < csv.length; cut++) {
      expect(await through([csv.slice(0, cut), csv.slice(cut)])).toEqual(whole);
    }
    expect(await through(csv.split(''))).toEqual(whole);
  });
});
