// Validates Kubernetes manifests against the Kubernetes API's published schemas, as compiled by
// kubernetes-models (ajv validators generated from the Kubernetes OpenAPI spec). Run as a process of
// its own: kubernetes-models is ESM-only (`import` exports), which Jest's CommonJS runtime cannot load.
//   node test/support/validate-k8s.mjs deploy/k8s/api.yaml …  →  JSON: [{ file, kind, name, error }]
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const results = [];
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const manifest = document.toJS();
    const entry = { file, kind: manifest?.kind, name: manifest?.metadata?.name, error: null };
    try {
      if (document.errors.length > 0) throw document.errors[0];
      const [group, version] = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/') : [undefined, manifest.apiVersion];
      const models = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
      const Model = models[manifest.kind];
      if (!Model) throw new Error(`no ${manifest.kind} in ${manifest.apiVersion}`);
      new Model(manifest).validate();
    } catch (error) {
      entry.error = error instanceof Error ? error.message : String(error);
    }
    results.push(entry);
  }
}
console.log(JSON.stringify(results));
