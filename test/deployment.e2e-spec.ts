import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { Copy, Instruction } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '@gpupool/platform';
import { createTestDatabase } from './support/database';
import { mebibytes, readDockerfile } from './support/image';
import { startStack, testRedisUrl, TestStack } from './support/stack';
import { startWorker, TestWorker } from './support/worker';

// The deployment files (docker/Dockerfile, docker-compose.yml, deploy/k8s) as an operator runs them:
// valid against their published schemas, consistent with the image, the config and the real routes.

const ROOT = resolve(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
type Doc = Record<string, any>;

// ---- the image
const { text: dockerfileText, instructions, buildStage, runtimeStage, env: imageEnv } = readDockerfile();
const args = (i: Instruction) => i.getArgumentsContent() ?? '';
const argDefaults = new Map(instructions.filter((i) => i.getKeyword() === 'ARG').map((i) => args(i).split('=') as [string, string]));
const [runtimeUid, runtimeGid] = args(runtimeStage.find((i) => i.getKeyword() === 'USER')!).split(':');
/** Directories the runtime stage creates, with their owner: `install -d -o UID -g GID … <dirs>`. */
const createdDirs = runtimeStage
  .filter((i) => i.getKeyword() === 'RUN')
  .flatMap((i) => {
    const m = /install -d -o (\S+) -g (\S+)(?: -m \S+)? (.+)$/.exec(args(i));
    return m ? m[3].split(/\s+/).map((path) => ({ path, uid: m[1], gid: m[2] })) : [];
  });

// ---- compose
const composeText = read('docker-compose.yml');
const compose: Doc = parse(composeText, { merge: true });
const envExample = new Map(
  read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=', 2) as [string, string]),
);
/** Compose's interpolation of ${VAR}, ${VAR:-default}, ${VAR:?error} and $$, with the operator's .env. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (whole, name: string, op: string, rest: string) => {
    if (whole === '$$') return '$';
    if (env[name]) return env[name];
    if (op === '-') return rest;
    throw new Error(`${name} is not set: ${rest}`);
  });
}
const operatorEnv = { POSTGRES_PASSWORD: 'a1'.repeat(24), REDIS_PASSWORD: 'b2'.repeat(24), BOOTSTRAP_ADMIN_KEY: 'c3'.repeat(24) };
const appServices = Object.entries<Doc>(compose.services).filter(([, s]) => s.image === compose['x-app'].image);
const processOf = (command: string[] | undefined) =>
  !command ? 'api' : command.join(' ').includes('apps/worker') ? 'worker' : command.join(' ').includes('scripts/migrate') ? 'migrate' : '?';

// ---- Kubernetes
const K8S = 'deploy/k8s';
const manifestFiles = readdirSync(join(ROOT, K8S)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Doc[] = manifestFiles.flatMap((file) => parseAllDocuments(read(`${K8S}/${file}`)).map((d) => d.toJS() as Doc));
const kustomization: Doc = parse(read(`${K8S}/kustomization.yaml`));
const byKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const deployment = (component: string) => byKind('Deployment').find((d) => d.metadata.labels['app.kubernetes.io/component'] === component)!;
const podSpecs = [...byKind('Deployment'), ...byKind('Job')].map((w) => ({
  name: w.metadata.name as string,
  spec: w.spec.template.spec as Doc,
}));
const configMap: Record<string, string> = byKind('ConfigMap')[0].data;
const secretExample: Record<string, string> = byKind('Secret')[0].stringData;

/** The config's required variables: those it names as missing in an empty environment. */
function requiredVariables(): string[] {
  try {
    loadConfig({});
  } catch (error) {
    return [...String((error as Error).message).matchAll(/(\w+) is required/g)].map((m) => m[1]);
  }
  return [];
}

describe('docker/Dockerfile', () => {
  it('has no problem dockerfile-utils finds', () => {
    expect(lintDockerfile(dockerfileText).map((d) => d.message)).toEqual([]);
  });

  it('builds and runs on Node 24 LTS, slim', () => {
    const images = instructions.filter((i) => i.getKeyword() === 'FROM').map((i) => args(i).split(/\s+/)[0]);
    expect(images).toHaveLength(2);
    for (const image of images)
      expect(image.replace(/^\$\{(\w+)\}$/, (_, name: string) => argDefaults.get(name)!)).toMatch(/^node:24(\.\d+)*-\w+-slim$/);
  });

  it('runs as a non-root user that owns every path the processes write', () => {
    expect(runtimeUid).toMatch(/^[1-9]\d*$/);
    expect(runtimeGid).toMatch(/^[1-9]\d*$/);
    const written = new Set([
      imageEnv.REPORTS_DIR,
      configMap.REPORTS_DIR,
      ...appServices.map(([, s]) => s.environment.REPORTS_DIR as string),
    ]);
    expect(written).toEqual(new Set(['/reports']));
    for (const path of written) expect(createdDirs).toContainEqual({ path, uid: runtimeUid, gid: runtimeGid });
    // Compose mounts named volumes only on those paths, so each starts out as the image's directory.
    for (const [name, service] of appServices) {
      for (const mount of service.volumes ?? []) expect([name, written.has(String(mount).split(':')[1])]).toEqual([name, true]);
    }
    // Kubernetes: the same user, a read-only root file system, and writable volumes only where the code writes.
    for (const { name, spec } of podSpecs) {
      expect([
        name,
        spec.securityContext.runAsNonRoot,
        String(spec.securityContext.runAsUser),
        String(spec.securityContext.runAsGroup),
      ]).toEqual([name, true, runtimeUid, runtimeGid]);
      const volumes = new Map<string, Doc>((spec.volumes ?? []).map((v: Doc) => [v.name, v]));
      for (const container of spec.containers) {
        expect([name, container.securityContext.readOnlyRootFilesystem, container.securityContext.allowPrivilegeEscalation]).toEqual([
          name,
          true,
          false,
        ]);
        for (const mount of container.volumeMounts ?? []) {
          const volume = volumes.get(mount.name)!;
          if (volume.persistentVolumeClaim) {
            expect([name, mount.mountPath, String(spec.securityContext.fsGroup)]).toEqual([name, configMap.REPORTS_DIR, runtimeGid]);
          } else {
            expect([name, mount.mountPath, volume.emptyDir]).toEqual([name, '/tmp', expect.any(Object)]);
          }
        }
      }
    }
  });

  it('sizes the heap for the report memory, within every container limit, and `npm start` runs its worker so', () => {
    const oldSpaceMb = Number(/--max-old-space-size=(\d+)/.exec(imageEnv.NODE_OPTIONS ?? '')?.[1]);
    expect(oldSpaceMb).toBeGreaterThanOrEqual(192);
    expect(oldSpaceMb).toBeLessThanOrEqual(256);
    // Node 24's young generation grows past Node 20's unless its semi-spaces are capped (bench/RESULTS.md, Reports).
    const semiSpaceMb = Number(/--max-semi-space-size=(\d+)/.exec(imageEnv.NODE_OPTIONS ?? '')?.[1]);
    expect(semiSpaceMb).toBeGreaterThan(0);
    expect(semiSpaceMb).toBeLessThanOrEqual(16);
    expect(read('scripts/start.ts')).toContain(`'${imageEnv.NODE_OPTIONS}'`);
    for (const { name, spec } of podSpecs) {
      for (const container of spec.containers) {
        expect([name, mebibytes(container.resources.limits.memory) > oldSpaceMb]).toEqual([name, true]);
      }
    }
  });

  it('builds every workspace (the console) and copies the whole build output', () => {
    const build = buildStage.filter((i) => i.getKeyword() === 'RUN').map(args);
    const ci = build.findIndex((r) => r.startsWith('npm ci'));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(build.slice(ci + 1).some((r) => r.startsWith('npm run build'))).toBe(true);
    // `npm run build` builds every workspace, and workspaces install from their package.json, so their folder is copied before `npm ci`.
    const copiedBeforeCi = buildStage
      .slice(
        0,
        buildStage.findIndex((i) => i.getKeyword() === 'RUN' && args(i).startsWith('npm ci')),
      )
      .filter((i) => i.getKeyword() === 'COPY')
      .flatMap((i) => args(i).split(/\s+/).slice(0, -1));
    const root = JSON.parse(read('package.json'));
    for (const workspace of (root.workspaces ?? []) as string[]) {
      const { name } = JSON.parse(read(`${workspace}/package.json`));
      expect([workspace, copiedBeforeCi.some((source) => workspace.startsWith(source))]).toEqual([workspace, true]);
      expect([workspace, root.scripts.build.includes(`-w ${name}`) || root.scripts.build.includes('--workspaces')]).toEqual([
        workspace,
        true,
      ]);
    }
    const fromBuild = runtimeStage.filter((i): i is Copy => i instanceof Copy && i.getFromFlag()?.getValue() === 'build');
    expect(fromBuild.map(args)).toContain('/app/dist dist');
  });

  it('sets only variables the config accepts, besides NODE_OPTIONS for Node itself', () => {
    for (const name of Object.keys(imageEnv)) expect([...CONFIG_VARIABLES, 'NODE_OPTIONS']).toContain(name);
  });
});

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema', () => {
    // The compose-spec JSON schema as dclint ships it, checked with the options dclint uses.
    const { $schema: draft, ...schema } = JSON.parse(
      readFileSync(join(require.resolve('dclint/package.json'), '..', 'schemas/compose.schema.json'), 'utf8'),
    );
    expect(draft).toMatch(/draft-07/); // Ajv's default draft
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const valid = ajv.compile(schema);
    expect(valid(compose) ? [] : valid.errors).toEqual([]);
    // …and a typo would be caught.
    expect(valid({ ...compose, services: { ...compose.services, api: { ...compose.services.api, helthcheck: {} } } })).toBe(false);
  });

  it('publishes only the api', () => {
    const published = Object.entries<Doc>(compose.services).filter(([, s]) => s.ports?.length || s.network_mode === 'host');
    expect(published.map(([name]) => name)).toEqual(['api']);
    expect(interpolate(compose.services.api.ports[0], operatorEnv)).toBe('3000:3000');
  });

  it('takes every secret from the environment, and keeps none in the repository', () => {
    const used = new Set([...composeText.matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    expect([...used].filter((name) => !envExample.has(name))).toEqual([]);
    for (const name of ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'BOOTSTRAP_ADMIN_KEY'])
      expect([name, envExample.get(name)]).toEqual([name, '']);
    expect(compose.secrets).toEqual({
      postgres_password: { environment: 'POSTGRES_PASSWORD' },
      redis_password: { environment: 'REDIS_PASSWORD' },
    });
    expect(compose.services.postgres.environment).toEqual(
      expect.objectContaining({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' }),
    );
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toBeUndefined();
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
    for (const [, service] of appServices)
      expect(() => interpolate(service.environment.DATABASE_URL, {})).toThrow(/POSTGRES_PASSWORD is not set/);
  });

  it('runs Redis with AOF, noeviction and a password that the apps use', () => {
    const command = compose.services.redis.command.join(' ');
    expect(command).toMatch(/--requirepass "\$\$\(cat \/run\/secrets\/redis_password\)"/);
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(compose.services.redis.healthcheck.test.join(' ')).toMatch(/REDISCLI_AUTH=.*redis-cli ping \| grep -q PONG/);
    for (const [, service] of appServices)
      expect(new URL(interpolate(service.environment.REDIS_URL, operatorEnv)).password).toBe(operatorEnv.REDIS_PASSWORD);
  });

  it('sets on the app services exactly variables the config accepts, and they load', () => {
    expect(appServices.map(([name, s]) => [name, processOf(s.command)])).toEqual([
      ['migrate', 'migrate'],
      ['api', 'api'],
      ['worker', 'worker'],
    ]);
    for (const [name, service] of appServices) {
      const env: Record<string, string> = Object.fromEntries(
        Object.entries<string>(service.environment).map(([k, v]) => [k, interpolate(String(v), operatorEnv)]),
      );
      expect([name, Object.keys(env).filter((k) => !CONFIG_VARIABLES.includes(k as never))]).toEqual([name, []]);
      expect([name, requiredVariables().filter((k) => !(k in env))]).toEqual([name, []]);
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('starts the api and workers after the migrations succeeded', () => {
    expect(compose.services.migrate.command).toEqual(['node', 'dist/scripts/migrate.js']);
    for (const name of ['api', 'worker']) {
      expect(compose.services[name].depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });
});

describe('deploy/k8s', () => {
  it('validates every manifest against the Kubernetes API schemas', () => {
    const run = spawnSync(
      process.execPath,
      [join(__dirname, 'support/validate-k8s.mjs'), ...manifestFiles.map((f) => join(ROOT, K8S, f))],
      {
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    const results: { file: string; kind: string; error: string | null }[] = JSON.parse(run.stdout);
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.map((r) => r.kind).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'Deployment',
        'HorizontalPodAutoscaler',
        'Job',
        'Namespace',
        'PersistentVolumeClaim',
        'PodDisruptionBudget',
        'Secret',
        'Service',
      ].sort(),
    );
    // …and a wrong type would be caught.
    const badFile = join(mkdtempSync(join(tmpdir(), 'k8s-')), 'api.yaml');
    writeFileSync(badFile, read(`${K8S}/api.yaml`).replace('replicas: 2', 'replicas: two'));
    const bad = spawnSync(process.execPath, [join(__dirname, 'support/validate-k8s.mjs'), badFile], { encoding: 'utf8' });
    expect(JSON.parse(bad.stdout)[0].error).toMatch(/replicas must be integer/);
  });

  it('lists every manifest in the kustomization but the example Secret, and names the image the containers use', () => {
    expect([...kustomization.resources].sort()).toEqual(manifestFiles.filter((f) => f !== 'secret.example.yaml').sort());
    for (const { spec } of podSpecs) for (const c of spec.containers) expect(c.image).toBe(kustomization.images[0].name);
    expect(Object.values(secretExample).every((v) => v.includes('CHANGE-ME'))).toBe(true);
  });

  it('gives every container exactly config variables, from the ConfigMap and the Secret, and they load', () => {
    const keys = [...Object.keys(configMap), ...Object.keys(secretExample)];
    expect(keys.filter((k) => !CONFIG_VARIABLES.includes(k as never))).toEqual([]);
    expect(Object.keys(configMap).filter((k) => k in secretExample)).toEqual([]);
    expect(requiredVariables().filter((k) => !keys.includes(k))).toEqual([]);
    expect(() => loadConfig({ ...configMap, ...secretExample })).not.toThrow();
    for (const { name, spec } of podSpecs) {
      for (const container of spec.containers) {
        expect([name, container.env ?? []]).toEqual([name, []]);
        expect([name, container.envFrom]).toEqual([
          name,
          [{ configMapRef: { name: byKind('ConfigMap')[0].metadata.name } }, { secretRef: { name: byKind('Secret')[0].metadata.name } }],
        ]);
      }
    }
  });

  it('runs the api with readiness and liveness probes behind a Service and an autoscaler, and the worker with its probes', () => {
    const api = deployment('api').spec.template.spec.containers[0];
    const worker = deployment('worker').spec.template.spec.containers[0];
    for (const c of [api, worker]) {
      expect(c.readinessProbe.httpGet).toBeDefined();
      expect(c.livenessProbe.httpGet).toBeDefined();
      expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    }
    expect(api.command).toEqual(['node', 'dist/apps/api/src/main.js']);
    expect(worker.command).toEqual(['node', 'dist/apps/worker/src/main.js']);
    const [hpa] = byKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment('api').metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const services = byKind('Service');
    expect(services.map((s) => s.spec.selector)).toEqual([deployment('api').spec.selector.matchLabels]);
    // No Service selects the worker: its port is for probes and Prometheus only.
    expect(services.some((s) => s.spec.selector['app.kubernetes.io/component'] === 'worker')).toBe(false);
  });

  it('keeps report files on a ReadWriteMany volume that the api and the worker share', () => {
    const [pvc] = byKind('PersistentVolumeClaim');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    for (const component of ['api', 'worker']) {
      const spec = deployment(component).spec.template.spec;
      const volume = spec.volumes.find((v: Doc) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: volume.name, mountPath: configMap.REPORTS_DIR });
    }
  });
});

describe('probes and commands against the real processes', () => {
  let stack: TestStack;
  let worker: TestWorker;

  beforeAll(async () => {
    stack = await startStack();
    worker = await startWorker();
  });
  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  const status = async (base: string, path: string) => (await fetch(`${base}${path}`)).status;

  it('points every Kubernetes probe at a route that answers 200, on the port the config gives the process', async () => {
    const ports = { api: Number(configMap.PORT), worker: Number(configMap.WORKER_HTTP_PORT) };
    const urls = { api: stack.url, worker: worker.url };
    let probes = 0;
    for (const component of ['api', 'worker'] as const) {
      const container = deployment(component).spec.template.spec.containers[0];
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        const { path, port } = container[probe].httpGet;
        const containerPort = typeof port === 'number' ? port : container.ports.find((p: Doc) => p.name === port).containerPort;
        expect([component, probe, containerPort, await status(urls[component], path)]).toEqual([component, probe, ports[component], 200]);
        probes++;
      }
    }
    expect(probes).toBe(6);
  });

  it('points every compose health check of an app at a route that answers 200, on its configured port', async () => {
    for (const [name, service] of appServices.filter(([n]) => n !== 'migrate')) {
      const process = processOf(service.command) as 'api' | 'worker';
      const [, port, path] = /http:\/\/127\.0\.0\.1:(\d+)(\/[\w/]*)/.exec(service.healthcheck.test.join(' '))!;
      const configured = process === 'api' ? service.environment.PORT : service.environment.WORKER_HTTP_PORT;
      expect([name, port, await status(process === 'api' ? stack.url : worker.url, path)]).toEqual([name, configured, 200]);
    }
  });

  it('runs the migration command of the Job and of compose to completion', async () => {
    const [job] = byKind('Job');
    const command: string[] = job.spec.template.spec.containers[0].command;
    expect(command).toEqual(compose.services.migrate.command);
    const db = await createTestDatabase();
    try {
      const run = spawnSync(process.execPath, command.slice(1), {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), NODE_ENV: 'production' },
      });
      expect([run.status, run.stderr]).toEqual([0, '']);
      expect(run.stdout).toMatch(/^migrations applied: [1-9]\d*$/m);
    } finally {
      await db.drop();
    }
  });
});
