import { parse } from 'csv-parse/sync';
import { csvField, csvRecord } from './csv';

describe('CSV escaping (RFC 4180)', () => {
  it.each([
    ['plain', 'Alpha Compute', 'Alpha Compute'],
    ['empty', '', ''],
    ['comma', 'Quote, Inc.', '"Quote, Inc."'],
    ['quote', 'Say "hi"', '"Say ""hi"""'],
    ['only a quote', '"', '""""'],
    ['LF', 'Line 1\nLine 2', '"Line 1\nLine 2"'],
    ['CR', 'a\rb', '"a\rb"'],
    ['CRLF', 'a\r\nb', '"a\r\nb"'],
    ['leading and trailing spaces, kept as they are', '  x  ', '  x  '],
    ['non-ASCII', '北京算力 Ω', '北京算力 Ω'],
    ['a decimal, never reformatted', '-0.50', '-0.50'],
  ])('%s', (_case, value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('ends each record with CRLF and separates fields with commas', () => {
    expect(csvRecord(['a', 'b,c', ''])).toBe('a,"b,c",\r\n');
    expect(csvRecord(['only'])).toBe('only\r\n');
  });

  it('round-trips awkward values through a standard CSV parser', () => {
    const rows = [
      ['Quote "Q", Comma, Inc.\nLine 2', 'c-1,"x"', '1234.50'],
      ['\r\n', '"', ',,,'],
      ['", "', 'end"', 'x\n"y"\r\nz'],
    ];
    const text = rows.map(csvRecord).join('');
    expect(parse(text, { record_delimiter: '\r\n', relax_quotes: false })).toEqual(rows);
  });
});
