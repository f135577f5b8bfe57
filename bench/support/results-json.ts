/** One stage of a benchmark, as `.data/bench/results.json` records it: its figures and its ratio to the baseline. */
export interface StageResult {
  stage: string;
  figures: Record<string, number | string>;
  /** The first column named ratio…; null for a stage without one. */
  ratio: number | null;
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => cell.trim());

/** A table cell as a number when it is one ("1,234.5", "0.44", "261 MB" stays text). */
function value(cell: string): number | string {
  const plain = cell.replace(/,/g, '');
  return /^-?\d+(\.\d+)?$/.test(plain) ? Number(plain) : cell;
}

/**
 * The stages of a benchmark's markdown section: every row of every table in it, named by its
 * first cell, with the other cells by their column header. Every benchmark prints its stages as
 * such a table, so results.json needs nothing else from them.
 */
export function stagesOf(markdown: string): StageResult[] {
  const lines = markdown.split('\n');
  const stages: StageResult[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|\s*:?-{3,}/.test(lines[i + 1]!)) continue;
    const header = cells(lines[i]!);
    const ratioColumn = header.findIndex((name) => /^ratio/i.test(name));
    for (i += 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
      const row = cells(lines[i]!);
      const figures: Record<string, number | string> = {};
      header.slice(1).forEach((name, c) => (figures[name] = value(row[c + 1] ?? '')));
      const ratio = ratioColumn > 0 ? value(row[ratioColumn] ?? '') : null;
      stages.push({ stage: row[0]!, figures, ratio: typeof ratio === 'number' ? ratio : null });
    }
  }
  return stages;
}
