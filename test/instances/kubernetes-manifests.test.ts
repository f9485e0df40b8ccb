import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import t from 'tap';
import { parse, parseAllDocuments } from 'yaml';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1';
import { parseDuration } from '../../engine/config/units.js';
import { runCli } from '../helpers/gatewayd-process.js';

/**
 * deploy/kubernetes/ against the Kubernetes API schemas (the kubernetes-models package ships them
 * compiled, from the Kubernetes OpenAPI definitions), and against what gatewayd needs: the probes
 * on its endpoints, a grace period that covers the drain, the config mounted as a directory and
 * accepted by `gatewayd check`. No cluster runs here.
 */

const DIR = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes');

interface Validating {
  validate(): void;
}
type Manifest = Record<string, unknown> & { apiVersion: string; kind: string };

const MODELS: Record<string, (data: Manifest) => Validating> = {
  'apps/v1 Deployment': (d) => new Deployment(d as never),
  'v1 Service': (d) => new Service(d as never),
  'v1 ConfigMap': (d) => new ConfigMap(d as never),
  'policy/v1 PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never),
  'autoscaling/v2 HorizontalPodAutoscaler': (d) => new HorizontalPodAutoscaler(d as never),
};

function validate(doc: Manifest): void {
  const model = MODELS[`${doc.apiVersion} ${doc.kind}`];
  if (model === undefined) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  model(doc).validate();
}

/** Each manifest by its kind, and the file each kind is in. */
async function loadManifests(): Promise<{
  manifests: Map<string, Manifest>;
  files: Map<string, string>;
}> {
  const manifests = new Map<string, Manifest>();
  const files = new Map<string, string>();
  const yamlFiles = (await readdir(DIR)).filter(
    (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml',
  );
  for (const file of yamlFiles) {
    for (const doc of parseAllDocuments(await readFile(join(DIR, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const manifest = doc.toJS() as Manifest;
      manifests.set(manifest.kind, manifest);
      files.set(manifest.kind, file);
    }
  }
  return { manifests, files };
}

/** Reads a manifest's nested field, failing the test when a step is missing. */
function at<T>(value: unknown, ...path: Array<string | number>): T {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !(key in v)) {
      throw new Error(`missing ${path.join('.')}`);
    }
    v = (v as Record<string | number, unknown>)[key];
  }
  return v as T;
}

t.test('the manifests', async (t) => {
  const { manifests, files } = await loadManifests();

  t.test('each one is valid against the Kubernetes schema of its kind', async (t) => {
    t.same([...manifests.keys()].sort(), [
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
    for (const [kind, manifest] of manifests) t.doesNotThrow(() => validate(manifest), kind);
  });

  t.test('the schemas do refuse a broken manifest', async (t) => {
    const deployment = structuredClone(manifests.get('Deployment')) as Manifest;
    at<IContainer[]>(deployment, 'spec', 'template', 'spec', 'containers')[0]!.ports = [
      { containerPort: 'eighty' as unknown as number },
    ];
    t.throws(() => validate(deployment), /containerPort must be integer/);
    const service = structuredClone(manifests.get('Service')) as Manifest;
    at<Record<string, unknown>>(service, 'spec').type = 7;
    t.throws(() => validate(service), /type must be string/);
  });

  t.test('kustomization.yaml lists every manifest', async (t) => {
    const kustomization = parse(await readFile(join(DIR, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
      images: Array<{ name: string }>;
    };
    t.same([...kustomization.resources].sort(), [...files.values()].sort());
    const container = at<IContainer>(
      manifests.get('Deployment'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
    );
    t.equal(kustomization.images[0]?.name, container.image?.split(':')[0], 'the image it sets');
  });

  t.test('the objects point at each other', async (t) => {
    const deployment = manifests.get('Deployment');
    const podLabels = at<Record<string, string>>(
      deployment,
      'spec',
      'template',
      'metadata',
      'labels',
    );
    t.same(at(deployment, 'spec', 'selector', 'matchLabels'), podLabels);
    t.same(at(manifests.get('Service'), 'spec', 'selector'), podLabels);
    t.same(at(manifests.get('PodDisruptionBudget'), 'spec', 'selector', 'matchLabels'), podLabels);
    t.same(at(manifests.get('HorizontalPodAutoscaler'), 'spec', 'scaleTargetRef'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: at<string>(deployment, 'metadata', 'name'),
    });
    const container = at<IContainer>(deployment, 'spec', 'template', 'spec', 'containers', 0);
    const portNames = (container.ports ?? []).map((p) => p.name);
    t.ok(portNames.includes(at(manifests.get('Service'), 'spec', 'ports', 0, 'targetPort')));
  });

  t.test('the pod runs gatewayd as the issue asks', async (t) => {
    const pod = at<Record<string, unknown>>(manifests.get('Deployment'), 'spec', 'template');
    const spec = at<Record<string, unknown>>(pod, 'spec');
    const container = at<IContainer>(spec, 'containers', 0);
    const env = new Map((container.env ?? []).map((e) => [e.name, e]));
    const configFile = env.get('GATEWAYD_CONFIG')?.value ?? '';
    const configMap = manifests.get('ConfigMap');
    const gatewayYaml = at<string>(configMap, 'data', basename(configFile));
    const config = parse(gatewayYaml) as {
      server: { http_port: number; timeouts: { shutdown_timeout: string } };
    };
    const httpPort = container.ports?.find((p) => p.name === 'http')?.containerPort;
    t.equal(httpPort, config.server.http_port, 'the container port is the one gatewayd serves');
    t.same(container.readinessProbe?.httpGet, { path: '/ready', port: 'http' });
    t.same(container.livenessProbe?.httpGet, { path: '/health', port: 'http' });

    // The config is a directory mount: a subPath would pin the first version of the file.
    const mount = container.volumeMounts?.find((m) => m.mountPath === dirname(configFile));
    t.ok(mount, 'the config file is in a mounted directory');
    t.equal(mount?.subPath, undefined, 'mounted as a directory, not a file');
    const volume = at<Array<{ name: string; configMap?: { name: string } }>>(spec, 'volumes').find(
      (v) => v.name === mount?.name,
    );
    t.equal(volume?.configMap?.name, at<string>(configMap, 'metadata', 'name'));

    const security = container.securityContext;
    t.equal(at(spec, 'securityContext', 'runAsNonRoot'), true);
    t.equal(security?.readOnlyRootFilesystem, true);
    t.equal(security?.allowPrivilegeEscalation, false);
    t.same(security?.capabilities?.drop, ['ALL']);
    const dockerfile = await readFile(join(DIR, '..', '..', 'Dockerfile'), 'utf8');
    t.match(dockerfile, /^USER node$/m, "the image's user is node (uid 1000 in node images)");
    t.equal(at(spec, 'securityContext', 'runAsUser'), 1000);

    // SIGTERM comes after preStop; the drain must fit in what is left of the grace period.
    const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
    t.same(preStop.slice(0, 1), ['/bin/sleep']);
    const pauseS = Number(preStop[1]);
    const drainS = (parseDuration(config.server.timeouts.shutdown_timeout) ?? NaN) / 1000;
    const graceS = at<number>(spec, 'terminationGracePeriodSeconds');
    t.ok(
      graceS >= pauseS + drainS && graceS <= pauseS + drainS + 10,
      `grace ${graceS} s covers preStop ${pauseS} s + drain ${drainS} s, with at most 10 s spare`,
    );
  });

  t.test("gatewayd check accepts the ConfigMap's config", async (t) => {
    const container = at<IContainer>(
      manifests.get('Deployment'),
      'spec',
      'template',
      'spec',
      'containers',
      0,
    );
    const configFile = container.env?.find((e) => e.name === 'GATEWAYD_CONFIG')?.value ?? 'missing';
    const text = at<string>(manifests.get('ConfigMap'), 'data', basename(configFile));
    // Every variable the config reads is one the pod sets.
    const podEnv = new Set((container.env ?? []).map((e) => e.name));
    for (const [, name] of text.matchAll(/\$\{([A-Z0-9_]+)/g)) {
      t.ok(podEnv.has(name ?? ''), `the pod sets ${name}`);
    }
    const dir = await mkdtemp(join(tmpdir(), 'gatewayd-k8s-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'gateway.yaml');
    await writeFile(file, text);
    const env = { ...process.env, REDIS_URL: 'redis://redis.default.svc.cluster.local:6379' };
    const check = await runCli(['check', file], env);
    t.equal(check.code, 0, check.stderr);
  });
});
