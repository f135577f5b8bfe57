import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, WriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const syncDirectory = async (dir: string) => {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/**
 * A report file being written: bytes go through a SHA-256 to `<final>.<attempt>.part` under the
 * reports directory; `complete` waits until they are on disk (fsync), `publish` renames the part
 * to its final name, so a final name only ever holds a complete file. Each attempt writes a part
 * file of its own.
 */
export class ReportFile {
  /** Where writers put the file's bytes. */
  readonly sink: Writable;
  private readonly hash = createHash('sha256');
  private readonly file: WriteStream;
  private readonly written: Promise<void>;
  private bytes = 0;

  private constructor(
    private readonly dir: string,
    readonly fileName: string,
    private readonly partName: string,
  ) {
    this.file = createWriteStream(join(dir, partName), { flags: 'wx', flush: true, highWaterMark: 1 << 20 });
    const hashing = new Transform({
      highWaterMark: 1 << 20,
      transform: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        done(null, chunk);
      },
    });
    this.sink = hashing;
    this.written = pipeline(hashing, this.file);
    // Failures surface through the writers and `publish`; this only keeps them from being unhandled.
    this.written.catch(() => undefined);
  }

  /** Starts `fileName` afresh under `dir`: the directory is created, every earlier part of it removed, this attempt's part opened. */
  static async create(dir: string, fileName: string, attempt: number): Promise<ReportFile> {
    await mkdir(dir, { recursive: true });
    await ReportFile.removeParts(dir, fileName);
    const file = new ReportFile(dir, fileName, `${fileName}.${attempt}.part`);
    await once(file.file, 'ready');
    return file;
  }

  /** Removes the part files of every attempt at `fileName`. */
  private static async removeParts(dir: string, fileName: string): Promise<void> {
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      names.filter((n) => n.startsWith(`${fileName}.`) && n.endsWith('.part')).map((n) => unlink(join(dir, n)).catch(() => undefined)),
    );
  }

  /** Waits until the writers' bytes are on disk (fsync at close); returns their SHA-256 (hex) and size. */
  async complete(): Promise<{ sha256: string; bytes: number }> {
    await this.written;
    if (!this.file.closed) await new Promise<void>((resolve) => this.file.once('close', () => resolve()));
    return { sha256: this.hash.digest('hex'), bytes: this.bytes };
  }

  /** Renames the completed part to the final name and makes the rename durable. */
  async publish(): Promise<void> {
    await rename(join(this.dir, this.partName), join(this.dir, this.fileName));
    await syncDirectory(this.dir);
  }

  /** Stops writing and removes this attempt's part file. */
  async discard(): Promise<void> {
    this.sink.destroy();
    await this.written.catch(() => undefined);
    await unlink(join(this.dir, this.partName)).catch(() => undefined);
  }
}
