import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DockerfileParser, Env, Instruction } from 'dockerfile-ast';

// The project's root, from test/support or from dist/test/support when compiled (the benchmarks).
const ROOT = resolve(__dirname, __dirname.split(/[\\/]/).includes('dist') ? '../../..' : '../..');
const DOCKERFILE = resolve(ROOT, 'docker/Dockerfile');

/** docker/Dockerfile as parsed: its instructions, the build stages and the runtime stage (from the last FROM). */
export interface Dockerfile {
  text: string;
  instructions: Instruction[];
  buildStage: Instruction[];
  runtimeStage: Instruction[];
  /** What the runtime stage's ENV instructions set: every process of the image runs with it. */
  env: Record<string, string>;
}

export function readDockerfile(): Dockerfile {
  const text = readFileSync(DOCKERFILE, 'utf8');
  const instructions = DockerfileParser.parse(text).getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  const runtimeStage = instructions.slice(lastFrom);
  const env = Object.fromEntries(
    runtimeStage
      .filter((i): i is Env => i instanceof Env)
      .flatMap((i) => i.getProperties())
      .map((p) => [p.getName(), p.getValue() ?? '']),
  );
  return { text, instructions, buildStage: instructions.slice(0, lastFrom), runtimeStage, env };
}

/** The NODE_OPTIONS the image sets for every process: a process started with them runs as deployed. */
export function imageNodeOptions(): string {
  const options = readDockerfile().env.NODE_OPTIONS;
  if (!options) throw new Error(`${DOCKERFILE} sets no NODE_OPTIONS`);
  return options;
}

const MIB = { Mi: 1, Gi: 1024 } as const;

/** A memory quantity of a Kubernetes manifest (`512Mi`, `1Gi`) in MiB, the unit of `--max-old-space-size`. */
export function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity in Mi or Gi: ${quantity}`);
  return Number(match[1]) * MIB[match[2] as keyof typeof MIB];
}
