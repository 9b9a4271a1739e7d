// deploy/kubernetes: every manifest validates against the Kubernetes schemas (kubernetes-models),
// the probes mean what docs/deploy.md says, the selectors agree, and the ConfigMap's ipdest.yaml is a
// config ipdest accepts.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, PersistentVolumeClaim, Service, type IContainer, type IPodSpec, type IProbe } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { parseConfigText } from '../../src/config/index.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

const DIR = resolve(PROJECT_ROOT, 'deploy', 'kubernetes');
const MODELS = { ConfigMap, PersistentVolumeClaim, Service, Deployment, CronJob, HorizontalPodAutoscaler, PodDisruptionBudget } as const;
type Kind = keyof typeof MODELS;
interface Doc {
  apiVersion: string;
  kind: Kind;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
}

const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] };
const docs: Array<Doc & { file: string }> = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    t.same(d.errors, [], `${file} parses as YAML`);
    return { ...(d.toJS() as Doc), file };
  }),
);
const one = <K extends Kind>(kind: K, name?: string) => {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
};

t.test('kustomization.yaml lists every manifest in the folder', async (t) => {
  const files = execFileSync('git', ['ls-files', '--others', '--cached', '--exclude-standard', '.'], { cwd: DIR, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  t.same([...kustomization.resources].sort(), files.sort());
});

t.test('every document validates against its Kubernetes schema', async (t) => {
  t.same(new Set(docs.map((d) => d.kind)), new Set(Object.keys(MODELS)), 'one kind of each');
  for (const doc of docs) {
    const { file, ...manifest } = doc;
    const Model = MODELS[doc.kind];
    t.ok(Model, `${file}: ${doc.kind} is a known kind`);
    t.equal(manifest.apiVersion, Model.apiVersion, `${file}: ${doc.kind} apiVersion`);
    t.doesNotThrow(() => new Model(manifest as never).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
  }
});

t.test('the validator does reject a broken manifest (the check has teeth)', async (t) => {
  const d = structuredClone(one('Deployment')) as Doc & { spec: { replicas: unknown } };
  d.spec.replicas = 'two';
  t.throws(() => new Deployment(d as never).validate(), /replicas/);
});

const deployment = one('Deployment') as Doc & {
  spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: IPodSpec } };
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as IContainer;
const selector = deployment.spec.selector.matchLabels;

t.test('the Deployment: replicas, probes, resources, security', async (t) => {
  t.equal(deployment.spec.replicas, 2);
  t.same(deployment.spec.template.metadata.labels, { ...deployment.spec.template.metadata.labels, ...selector }, 'the pods carry the selector labels');
  const port = container.ports!.find((p) => p.containerPort === 8080)!;
  t.ok(port, 'container port 8080');
  const target = (probe: IProbe | undefined) => probe?.httpGet && { path: probe.httpGet.path, port: probe.httpGet.port };
  for (const p of [target(container.startupProbe), target(container.readinessProbe)])
    t.ok(p?.port === port.name || p?.port === 8080, 'probe on the container port');
  t.equal(container.startupProbe?.httpGet?.path, '/readyz', 'startup: the lists are loaded');
  t.equal(container.readinessProbe?.httpGet?.path, '/readyz', 'readiness: the lists are loaded (degraded counts: 200)');
  t.equal(container.livenessProbe?.httpGet?.path, '/healthz', 'liveness: the process answers');
  t.ok(target(container.livenessProbe)!.port === port.name || target(container.livenessProbe)!.port === 8080, 'liveness on the container port');
  t.notMatch(JSON.stringify(container.livenessProbe), /readyz|lists/, 'liveness never depends on the lists or their age');
  t.equal(container.resources?.requests?.memory, '384Mi');
  t.equal(container.resources?.requests?.cpu, '100m');
  t.equal(container.resources?.limits?.memory, '768Mi');
  t.equal(pod.securityContext?.runAsNonRoot, true);
  t.equal(container.securityContext?.readOnlyRootFilesystem, true);
  t.equal(container.securityContext?.allowPrivilegeEscalation, false);
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  t.equal(env.IPDEST_CACHE_DIR, '/cache');
  // With a read-only root, every place ipdest writes is a volume.
  const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
  const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
  t.ok(volumes[mounts['/cache']!]?.emptyDir, '/cache is an emptyDir');
  t.ok(volumes[mounts['/tmp']!]?.emptyDir, '/tmp is an emptyDir');
  t.equal(volumes[mounts['/app/config']!]?.configMap?.name, one('ConfigMap').metadata.name, 'the config from the ConfigMap');
  t.equal(volumes[mounts['/app/cidr-lists']!]?.persistentVolumeClaim?.claimName, one('PersistentVolumeClaim').metadata.name, 'the lists from the PVC');
});

t.test('the Service, HPA and PDB select the Deployment', async (t) => {
  for (const svc of docs.filter((d) => d.kind === 'Service')) {
    const spec = svc.spec as { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> };
    t.same(spec.selector, selector, `Service ${svc.metadata.name} selects the pods`);
    t.equal(spec.ports[0]!.port, 8080);
    t.ok(spec.ports[0]!.targetPort === 'http' || spec.ports[0]!.targetPort === 8080, 'to the container port');
  }
  t.equal((one('Service', 'ipdest').spec as { type: string }).type, 'ClusterIP');
  const hpa = one('HorizontalPodAutoscaler').spec as {
    scaleTargetRef: { kind: string; name: string };
    minReplicas: number;
    metrics: Array<{ resource: { name: string; target: { averageUtilization: number } } }>;
  };
  t.same(hpa.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
  t.equal(hpa.minReplicas, deployment.spec.replicas);
  t.same(
    hpa.metrics.map((m) => [m.resource.name, m.resource.target.averageUtilization]),
    [['cpu', 70]],
  );
  const pdb = one('PodDisruptionBudget').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
  t.equal(pdb.minAvailable, 1);
  t.same(pdb.selector.matchLabels, selector);
});

t.test('the CronJob updates the lists into the volume the pods read', async (t) => {
  const cron = one('CronJob').spec as { concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: IPodSpec } } } };
  t.equal(cron.concurrencyPolicy, 'Forbid', 'one writer at a time');
  const spec = cron.jobTemplate.spec.template.spec;
  const c = spec.containers[0]!;
  t.match([...(c.command ?? []), ...(c.args ?? [])].join(' '), /node dist\/cli\.js lists update/);
  const lists = c.volumeMounts!.find((m) => m.mountPath === '/app/cidr-lists')!;
  t.notOk(lists.readOnly, 'the job writes the lists');
  const claim = spec.volumes!.find((v) => v.name === lists.name)!.persistentVolumeClaim!.claimName;
  t.equal(claim, one('PersistentVolumeClaim').metadata.name);
  t.ok((one('PersistentVolumeClaim').spec as { accessModes: string[] }).accessModes.includes('ReadWriteMany'), 'the job and the pods run on different nodes');
  t.equal(spec.securityContext?.runAsNonRoot, true);
  t.equal(c.securityContext?.readOnlyRootFilesystem, true);
});

t.test("the ConfigMap's ipdest.yaml is a config ipdest accepts, with the shipped lists and rules", async (t) => {
  const data = one('ConfigMap').data!;
  const config = parseConfigText(data['ipdest.yaml']!, 'deploy/kubernetes/configmap.yaml (ipdest.yaml)');
  const shipped = parseConfigText(readFileSync(resolve(PROJECT_ROOT, 'config', 'ipdest.yaml'), 'utf8'), 'config/ipdest.yaml');
  t.equal(config.server.host, '0.0.0.0', 'reachable from the probes');
  t.same(
    config.lists.map((l) => [l.name, l.format, l.path]),
    shipped.lists.map((l) => [l.name, l.format, l.path]),
    'the shipped lists',
  );
  t.ok(
    config.lists.every((l) => l.refresh === undefined),
    'no refresh: the CronJob is the one writer',
  );
  t.same(config.rules, shipped.rules, 'the shipped rules');
  t.same(config.builtins, shipped.builtins);
  t.same(config.enrich, shipped.enrich);
});

t.test("the ConfigMap's reload-pods.mjs is valid JavaScript", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-k8s-'));
  const file = join(dir, 'reload-pods.mjs');
  writeFileSync(file, one('ConfigMap').data!['reload-pods.mjs']!);
  t.doesNotThrow(() => execFileSync(process.execPath, ['--check', file], { stdio: 'pipe' }));
  // Without a token it says so and succeeds: the Secret is optional.
  const out = execFileSync(process.execPath, [file], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  t.match(out, /no IPDEST_ADMIN_TOKEN/);
});
