import { Transform, TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Passes Postgres's CSV through with CRLF record ends (RFC 4180) instead of its LF, leaving line
 * breaks inside quoted values as they are, and counts the records. Postgres doubles a quote inside
 * a quoted value, so toggling on every quote tracks whether a byte is inside one.
 */
export class CsvRecordEnds extends Transform {
  /** Records passed so far, the header included. */
  records = 0;
  private quoted = false;

  constructor() {
    super({ highWaterMark: 1 << 20 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const out = Buffer.allocUnsafe(chunk.length * 2);
    let written = 0;
    let from = 0;
    let quoted = this.quoted;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === LF && !quoted) {
        written += chunk.copy(out, written, from, i);
        out[written++] = CR;
        out[written++] = LF;
        from = i + 1;
        this.records++;
      }
    }
    written += chunk.copy(out, written, from);
    this.quoted = quoted;
    done(null, out.subarray(0, written));
  }
}
