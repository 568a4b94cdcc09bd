import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

/**
 * Structural checks of k8s/: no cluster is needed. The files are read as written; when kubectl
 * (or kustomize) is on the PATH, each overlay is also rendered and the rendered output checked again,
 * which catches patches that undo the hardening and references that do not resolve.
 * Each check collects every problem it finds, so one failure lists them all.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const k8sRoot = join(repoRoot, 'k8s');

const OUR_IMAGE = 'mobility-mesh';
const BACKENDS = ['avl', 'signal', 'parking', 'routing', 'archive'] as const;
const SERVICES = [...BACKENDS, 'mesh'] as const;
const GRPC_PORT = 50051;
const HTTP_PORT = 8080;
const INFRA_EGRESS_PORTS = [9092, 6379, 4317];
const POSTGRES_PORT = 5432;
const DNS_PORT = 53;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);

type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Probe {
  grpc?: { port: number };
  httpGet?: { path?: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}
interface ContainerPort {
  name?: string;
  containerPort: number;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Container {
  name: string;
  image?: string;
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds: number } } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  terminationGracePeriodSeconds?: number;
  volumes?: {
    name: string;
    emptyDir?: unknown;
    configMap?: { name: string };
    secret?: { secretName: string };
  }[];
  topologySpreadConstraints?: unknown[];
}
interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Labels };
  // biome-ignore lint/suspicious/noExplicitAny: each kind has its own spec; narrowed by the helpers below.
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  automountServiceAccountToken?: boolean;
}
interface Workload extends Manifest {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: { metadata?: { labels?: Labels }; spec: PodSpec };
  };
}
interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  ports?: { port?: number | string; protocol?: string }[];
  from?: PolicyPeer[];
  to?: PolicyPeer[];
}
interface NetworkPolicy extends Manifest {
  spec: {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}
interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: { path?: string; patch?: string }[];
  patchesStrategicMerge?: string[];
  configMapGenerator?: KustomizeGenerator[];
  secretGenerator?: KustomizeGenerator[];
  replicas?: { name: string; count: number }[];
}
interface KustomizeGenerator {
  name: string;
  behavior?: string;
  files?: string[];
  envs?: string[];
  literals?: string[];
}
interface Loaded {
  file: string;
  manifest: Manifest;
}

// ---------------------------------------------------------------------------------------------------
// Loading

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function parseYaml(text: string, origin: string): unknown[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${origin}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

const yamlFiles = filesUnder(k8sRoot).filter((file) => /\.ya?ml$/.test(file));
const parsed = new Map(yamlFiles.map((file) => [file, parseYaml(readFileSync(file, 'utf8'), rel(file))]));

function rel(file: string): string {
  return relative(repoRoot, file);
}

function isManifest(value: unknown): value is Manifest {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

/** Kubernetes objects (not kustomizations, not JSON patches) in the given files. */
function manifestsOf(files: readonly string[]): Loaded[] {
  return files.flatMap((file) =>
    (parsed.get(file) ?? [])
      .filter(isManifest)
      .filter((m) => m.kind !== 'Kustomization' && m.kind !== 'Component')
      .map((manifest) => ({ file: rel(file), manifest })),
  );
}

function kustomizationAt(dir: string): Kustomization {
  const [doc] = parsed.get(join(dir, 'kustomization.yaml')) ?? [];
  if (doc === undefined) throw new Error(`no kustomization.yaml in ${rel(dir)}`);
  return doc as Kustomization;
}

/** The resource files a kustomization lists directly and through the kustomizations it includes. */
function resourceFiles(dir: string): string[] {
  return (kustomizationAt(dir).resources ?? []).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? resourceFiles(path) : [path];
  });
}

const baseDir = join(k8sRoot, 'base');
const overlayDirs = readdirSync(join(k8sRoot, 'overlays')).map((name) => join(k8sRoot, 'overlays', name));
const kustomizationDirs = yamlFiles.filter((f) => f.endsWith('/kustomization.yaml')).map((f) => dirname(f));
const all = manifestsOf(yamlFiles);
const base = manifestsOf(resourceFiles(baseDir));

function gitIgnored(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', path], { cwd: repoRoot, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers over manifests

const nameOf = (m: Manifest) => `${m.kind}/${m.metadata?.name ?? '?'}`;
const isWorkload = (m: Manifest): m is Workload => WORKLOAD_KINDS.has(m.kind ?? '');
const isPolicy = (m: Manifest): m is NetworkPolicy => m.kind === 'NetworkPolicy';
const podLabels = (w: Workload): Labels => w.spec.template.metadata?.labels ?? {};
const containersOf = (w: Workload): Container[] => [
  ...w.spec.template.spec.containers,
  ...(w.spec.template.spec.initContainers ?? []),
];
const isOurs = (c: Container) => (c.image ?? '').split('/').at(-1)?.split(':')[0] === OUR_IMAGE;

function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const matchExpressions = (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const value = labels[key];
    if (operator === 'In') return value !== undefined && values.includes(value);
    if (operator === 'NotIn') return value === undefined || !values.includes(value);
    if (operator === 'Exists') return value !== undefined;
    if (operator === 'DoesNotExist') return value === undefined;
    return false;
  });
  return matchLabels && matchExpressions;
}

const isEmptySelector = (selector: LabelSelector | undefined) =>
  Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;

/** CPU in cores, memory in bytes. */
function quantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return Number.NaN;
  const units: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (match[2] ? (units[match[2]] ?? Number.NaN) : 1);
}

function resolvePort(container: Container, port: number | string | undefined): ContainerPort | undefined {
  return (container.ports ?? []).find(
    (p) => p.containerPort === port || (p.name !== undefined && p.name === port),
  );
}

function probePort(probe: Probe): number | string | undefined {
  return probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
}

/** The policies that select a pod (policies add up, so all of them apply). */
function policiesFor(labels: Labels, manifests: readonly Manifest[]): NetworkPolicy[] {
  return manifests.filter(isPolicy).filter((p) => selects(p.spec.podSelector ?? {}, labels));
}

function rulePorts(rule: PolicyRule, container: Container | undefined): Set<number> | 'all' {
  if (rule.ports === undefined || rule.ports.length === 0) return 'all';
  return new Set(
    rule.ports.flatMap((p) => {
      if (typeof p.port === 'number') return [p.port];
      const named = container ? resolvePort(container, p.port) : undefined;
      return named ? [named.containerPort] : [];
    }),
  );
}

function ruleAllows(rule: PolicyRule, port: number, container?: Container): boolean {
  const ports = rulePorts(rule, container);
  return ports === 'all' || ports.has(port);
}

function egressPorts(labels: Labels, manifests: readonly Manifest[]): Set<number> {
  const ports = new Set<number>();
  for (const policy of policiesFor(labels, manifests)) {
    for (const rule of policy.spec.egress ?? []) {
      const allowed = rulePorts(rule, undefined);
      if (allowed === 'all') return new Set([-1]); // "any port": never what we want; makes checks fail.
      for (const port of allowed) ports.add(port);
    }
  }
  return ports;
}

// ---------------------------------------------------------------------------------------------------
// Checks that return every problem found

function hardeningProblems(loaded: readonly Loaded[]): string[] {
  const problems: string[] = [];
  for (const { file, manifest } of loaded) {
    if (!isWorkload(manifest)) continue;
    const where = `${file} ${nameOf(manifest)}`;
    const pod = manifest.spec.template.spec;
    const podContext = pod.securityContext ?? {};
    if (pod.automountServiceAccountToken !== false)
      problems.push(`${where}: automountServiceAccountToken not false`);
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: uses a host namespace`);
    if (!selects(manifest.spec.selector, podLabels(manifest))) {
      problems.push(`${where}: selector does not match the pod labels`);
    }
    for (const container of containersOf(manifest)) {
      const at = `${where} container ${container.name}`;
      const sc = container.securityContext ?? {};
      if ((sc.runAsNonRoot ?? podContext.runAsNonRoot) !== true)
        problems.push(`${at}: runAsNonRoot not true`);
      if ((sc.runAsUser ?? podContext.runAsUser) === 0) problems.push(`${at}: runs as uid 0`);
      if ((sc.seccompProfile?.type ?? podContext.seccompProfile?.type) !== 'RuntimeDefault') {
        problems.push(`${at}: seccompProfile not RuntimeDefault`);
      }
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation not false`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem not true`);
      if (sc.privileged === true) problems.push(`${at}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL'))
        problems.push(`${at}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${at}: adds capabilities`);
      if (isOurs(container) && (sc.runAsUser ?? podContext.runAsUser) !== 10001) {
        problems.push(`${at}: our image must run as uid 10001`);
      }
      const image = container.image ?? '';
      if (!isOurs(container) && !/:[\w][\w.-]*$/.test(image))
        problems.push(`${at}: image ${image} has no tag`);
      if (image.endsWith(':latest')) problems.push(`${at}: image uses :latest`);

      for (const resource of ['cpu', 'memory']) {
        const request = container.resources?.requests?.[resource];
        const limit = container.resources?.limits?.[resource];
        if (request === undefined) problems.push(`${at}: no ${resource} request`);
        if (limit === undefined) problems.push(`${at}: no ${resource} limit`);
        if (request !== undefined && limit !== undefined) {
          const [r, l] = [quantity(request), quantity(limit)];
          if (Number.isNaN(r) || Number.isNaN(l)) problems.push(`${at}: unreadable ${resource} quantity`);
          else if (r > l) problems.push(`${at}: ${resource} request ${request} above limit ${limit}`);
        }
      }

      if (manifest.spec.template.spec.initContainers?.includes(container)) continue;
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        const probe = container[kind];
        if (!probe) {
          problems.push(`${at}: no ${kind}`);
          continue;
        }
        if (probe.grpc && typeof probe.grpc.port !== 'number')
          problems.push(`${at}: ${kind} grpc port not a number`);
        const port = probePort(probe);
        if (port === undefined && !probe.exec) problems.push(`${at}: ${kind} has no handler`);
        if (port !== undefined && !resolvePort(container, port)) {
          problems.push(`${at}: ${kind} port ${port} is not a container port`);
        }
      }
    }
  }
  return problems;
}

/** Ingress for every Service port, and a policy of its own, for every workload. */
function ingressProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const workload of manifests.filter(isWorkload)) {
    const labels = podLabels(workload);
    const policies = policiesFor(labels, manifests);
    const own = policies.filter((p) => !isEmptySelector(p.spec.podSelector));
    if (own.length === 0) problems.push(`${nameOf(workload)}: no NetworkPolicy of its own`);
    for (const service of manifests.filter((m) => m.kind === 'Service')) {
      const selector: Labels | undefined = service.spec?.selector;
      if (!selector || !selects({ matchLabels: selector }, labels)) continue;
      for (const servicePort of service.spec.ports ?? []) {
        const container = workload.spec.template.spec.containers.find((c) =>
          resolvePort(c, servicePort.targetPort ?? servicePort.port),
        );
        const target = container && resolvePort(container, servicePort.targetPort ?? servicePort.port);
        if (!container || !target) {
          problems.push(
            `${nameOf(service)} port ${servicePort.name}: target is not a port of ${nameOf(workload)}`,
          );
          continue;
        }
        const allowed = policies.some((p) =>
          (p.spec.ingress ?? []).some((rule) => ruleAllows(rule, target.containerPort, container)),
        );
        if (!allowed)
          problems.push(`${nameOf(workload)}: no ingress rule allows port ${target.containerPort}`);
      }
    }
  }
  return problems;
}

function defaultDenyProblems(manifests: readonly Manifest[]): string[] {
  const denyAll = manifests
    .filter(isPolicy)
    .filter(
      (p) =>
        isEmptySelector(p.spec.podSelector) &&
        (p.spec.policyTypes ?? []).includes('Ingress') &&
        (p.spec.policyTypes ?? []).includes('Egress') &&
        (p.spec.ingress ?? []).length === 0 &&
        (p.spec.egress ?? []).length === 0,
    );
  return denyAll.length === 1 ? [] : [`expected one default-deny policy, found ${denyAll.length}`];
}

/** Each of our services may reach its infrastructure and DNS, and nothing it should not. */
function egressProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const name of SERVICES) {
    const workload = manifests.filter(isWorkload).find((w) => w.metadata?.name === name);
    if (!workload) {
      problems.push(`${name}: no Deployment`);
      continue;
    }
    const ports = egressPorts(podLabels(workload), manifests);
    if (ports.has(-1)) problems.push(`${name}: an egress rule allows every port`);
    for (const port of [DNS_PORT, ...INFRA_EGRESS_PORTS]) {
      if (!ports.has(port)) problems.push(`${name}: no egress to port ${port}`);
    }
    const isBackend = (BACKENDS as readonly string[]).includes(name);
    if (isBackend && !ports.has(POSTGRES_PORT)) problems.push(`${name}: no egress to its PostgreSQL`);
    if (!isBackend && ports.has(POSTGRES_PORT))
      problems.push(`${name}: owns no tables but may reach PostgreSQL`);
    // Services talk to each other through Kafka; only the status page calls their gRPC ports.
    if (isBackend && ports.has(GRPC_PORT)) problems.push(`${name}: may call other services over gRPC`);
  }
  return problems;
}

/**
 * For every egress rule of our services that names in-namespace pods, those pods exist in this
 * set of manifests and accept the connection from the service.
 */
function peerProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  const workloads = manifests.filter(isWorkload);
  for (const source of workloads.filter((w) =>
    (SERVICES as readonly string[]).includes(w.metadata?.name ?? ''),
  )) {
    for (const policy of policiesFor(podLabels(source), manifests)) {
      for (const rule of policy.spec.egress ?? []) {
        for (const peer of rule.to ?? []) {
          if (!peer.podSelector || peer.namespaceSelector || isEmptySelector(peer.podSelector)) continue;
          const targets = workloads.filter((w) => w !== source && selects(peer.podSelector, podLabels(w)));
          const wanted = JSON.stringify(peer.podSelector.matchLabels);
          if (targets.length === 0)
            problems.push(`${nameOf(source)}: egress to ${wanted} matches no workload`);
          const ports = rulePorts(rule, undefined);
          for (const target of targets) {
            for (const port of ports === 'all' ? [] : ports) {
              const container = target.spec.template.spec.containers.find((c) => resolvePort(c, port));
              if (!container) continue; // e.g. mesh -> a service's port that this service lacks
              const accepted = policiesFor(podLabels(target), manifests).some((p) =>
                (p.spec.ingress ?? []).some(
                  (ingress) =>
                    ruleAllows(ingress, port, container) &&
                    (ingress.from ?? []).some(
                      (from) =>
                        from.podSelector &&
                        !from.namespaceSelector &&
                        selects(from.podSelector, podLabels(source)),
                    ),
                ),
              );
              if (!accepted)
                problems.push(`${nameOf(target)} does not accept ${nameOf(source)} on port ${port}`);
            }
          }
        }
      }
    }
  }
  return problems;
}

function secretValueProblems(loaded: readonly Loaded[]): string[] {
  return loaded
    .filter(({ manifest }) => manifest.kind === 'Secret')
    .filter(
      ({ manifest }) =>
        Object.keys(manifest.data ?? {}).length + Object.keys(manifest.stringData ?? {}).length > 0,
    )
    .map(({ file, manifest }) => `${file}: ${nameOf(manifest)} carries values`);
}

// ---------------------------------------------------------------------------------------------------
// Tests on the files as written

describe('k8s/ as written', () => {
  it('parses, and every object names its apiVersion, kind and name', () => {
    expect(yamlFiles.length).toBeGreaterThan(10);
    const unnamed = all.filter(({ manifest }) => !manifest.apiVersion || !manifest.metadata?.name);
    expect(unnamed.map(({ file, manifest }) => `${file} ${nameOf(manifest)}`)).toEqual([]);
  });

  it('has kustomizations that list only files that exist, and leave no file in base unlisted', () => {
    const problems: string[] = [];
    for (const dir of kustomizationDirs) {
      const k = kustomizationAt(dir);
      const at = rel(dir);
      if (k.patchesStrategicMerge) problems.push(`${at}: patchesStrategicMerge is deprecated, use patches`);
      const listed = [
        ...(k.resources ?? []),
        ...(k.components ?? []),
        ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
        ...(k.configMapGenerator ?? []).flatMap((g) => [...(g.files ?? []), ...(g.envs ?? [])]),
      ].map((entry) => entry.split('=').at(-1) ?? entry);
      for (const entry of listed) {
        const path = join(dir, entry);
        if (!existsSync(path)) problems.push(`${at}: lists missing ${entry}`);
        else if (statSync(path).isDirectory() && !existsSync(join(path, 'kustomization.yaml'))) {
          problems.push(`${at}: ${entry} is a directory without kustomization.yaml`);
        }
      }
      // Secret values are never committed: a generator reads a git-ignored file that has a committed example.
      for (const generator of k.secretGenerator ?? []) {
        if (generator.literals?.length)
          problems.push(`${at}: secretGenerator ${generator.name} has literals`);
        for (const entry of [...(generator.files ?? []), ...(generator.envs ?? [])]) {
          const path = join(dir, entry.split('=').at(-1) ?? entry);
          if (!gitIgnored(path)) problems.push(`${at}: secret source ${entry} is not git-ignored`);
          if (!existsSync(`${path}.example`)) problems.push(`${at}: secret source ${entry} has no .example`);
        }
      }
      // Every file beside a kustomization is used by it (helpers, docs and examples aside).
      const nested = kustomizationDirs.filter((d) => d !== dir && d.startsWith(`${dir}/`));
      const used = new Set([
        ...listed.map((entry) => join(dir, entry)),
        ...(k.secretGenerator ?? []).flatMap((g) =>
          [...(g.files ?? []), ...(g.envs ?? [])].map((e) => join(dir, e)),
        ),
      ]);
      const unused = filesUnder(dir)
        .filter((file) => !nested.some((d) => file.startsWith(`${d}/`)))
        .filter(
          (file) =>
            !/(kustomization\.yaml|README\.md|\.gitignore|\.example|generate-secrets\.sh)$/.test(file),
        )
        .filter((file) => !used.has(file) && !gitIgnored(file));
      problems.push(...unused.map((file) => `${at}: ${rel(file)} is not referenced`));
    }
    expect(problems).toEqual([]);
    expect(kustomizationDirs.map(rel).sort()).toEqual([
      'k8s/base',
      'k8s/overlays/dev',
      'k8s/overlays/production',
    ]);
  });

  it('commits no Secret values', () => {
    expect(secretValueProblems(all)).toEqual([]);
    const examples = filesUnder(k8sRoot).filter((file) => file.endsWith('.env.example'));
    expect(examples.length).toBeGreaterThan(0);
    const realLooking = examples.filter((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^\w+=/.test(line))
        .some((line) => !line.includes('replace-with')),
    );
    expect(realLooking.map(rel)).toEqual([]);
  });

  it('hardens every container, gives it requests, limits and probes on its own ports', () => {
    expect(all.filter(({ manifest }) => isWorkload(manifest)).length).toBeGreaterThanOrEqual(
      SERVICES.length + 4,
    );
    expect(hardeningProblems(all)).toEqual([]);
  });

  it('keeps the namespace at the restricted Pod Security level', () => {
    const namespace = base.find(({ manifest }) => manifest.kind === 'Namespace')?.manifest;
    expect(namespace?.metadata?.name).toBe('mobility');
    expect(namespace?.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('reads settings whose ports agree with the containers', () => {
    const settings = Object.fromEntries(
      readFileSync(join(baseDir, 'config.env'), 'utf8')
        .split('\n')
        .filter((line) => /^\w+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    for (const key of ['KAFKA_BROKERS', 'REDIS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'LOG_LEVEL']) {
      expect(settings[key], key).toBeTruthy();
    }
    expect(settings.GRPC_PORT).toBe(String(GRPC_PORT));
    expect(settings.HTTP_PORT).toBe(String(HTTP_PORT));
    expect(settings).not.toHaveProperty('DATABASE_URL');
    expect(settings).not.toHaveProperty('MOBILITY_AUTH_SECRET');
  });

  describe.each(SERVICES)('service %s in base', (name) => {
    const manifests = base.map(({ manifest }) => manifest);
    const find = (kind: string) => manifests.find((m) => m.kind === kind && m.metadata?.name === name);
    const isBackend = (BACKENDS as readonly string[]).includes(name);

    it('runs our image with its entry point, drains before it stops, and has a writable /tmp only', () => {
      const deployment = find('Deployment') as Workload | undefined;
      expect(deployment).toBeDefined();
      if (!deployment) return;
      const pod = deployment.spec.template.spec;
      expect(pod.containers).toHaveLength(1);
      const [container] = pod.containers;
      if (!container) return;
      expect(isOurs(container)).toBe(true);
      expect(container.args).toEqual([`services/${name}/src/main.ts`]);
      expect(container.envFrom?.map((e) => e.configMapRef?.name)).toContain('mobility-config');
      const secretRef = (variable: string) =>
        container.env?.find((e) => e.name === variable)?.valueFrom?.secretKeyRef;
      expect(secretRef('MOBILITY_AUTH_SECRET')).toEqual({
        name: 'mobility-auth',
        key: 'MOBILITY_AUTH_SECRET',
      });
      if (isBackend)
        expect(secretRef('DATABASE_URL')).toEqual({ name: `${name}-database`, key: 'DATABASE_URL' });
      else expect(container.env?.some((e) => e.name === 'DATABASE_URL')).toBe(false);
      // No plain-text value for anything that looks secret.
      expect(
        container.env?.filter((e) => /SECRET|PASSWORD|DATABASE_URL/.test(e.name) && e.value !== undefined),
      ).toEqual([]);

      const preStop = container.lifecycle?.preStop;
      const preStopSeconds = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command?.at(-1));
      expect(preStopSeconds).toBeGreaterThan(0);
      // Room after the preStop pause for the whole shutdown sequence.
      expect(pod.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(preStopSeconds + 30);

      const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      expect(container.volumeMounts).toHaveLength(1);
    });

    it('exposes named grpc/http ports and probes them', () => {
      const deployment = find('Deployment') as Workload | undefined;
      const container = deployment?.spec.template.spec.containers[0];
      expect(container).toBeDefined();
      if (!container) return;
      const expectedPorts = isBackend
        ? [
            { name: 'grpc', containerPort: GRPC_PORT },
            { name: 'http', containerPort: HTTP_PORT },
          ]
        : [{ name: 'http', containerPort: HTTP_PORT }];
      expect(container.ports?.map(({ name: n, containerPort }) => ({ name: n, containerPort }))).toEqual(
        expectedPorts,
      );
      for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) {
        if (isBackend) expect(probe?.grpc?.port).toBe(GRPC_PORT);
        else {
          expect(probe?.httpGet?.path).toBe('/healthz');
          expect(resolvePort(container, probe?.httpGet?.port)?.containerPort).toBe(HTTP_PORT);
        }
      }

      const service = find('Service');
      expect(service?.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(selects({ matchLabels: service?.spec.selector }, podLabels(deployment as Workload))).toBe(true);
      const servicePorts: { name: string; port: number; targetPort: string }[] = service?.spec.ports ?? [];
      expect(servicePorts.map((p) => p.name)).toEqual(expectedPorts.map((p) => p.name));
      for (const port of servicePorts) {
        expect(resolvePort(container, port.targetPort)?.containerPort, port.name).toBe(port.port);
      }
    });

    it('has its own ServiceAccount without a token, a PodDisruptionBudget and a NetworkPolicy', () => {
      const deployment = find('Deployment') as Workload;
      const account = find('ServiceAccount');
      expect(account?.automountServiceAccountToken).toBe(false);
      expect(deployment.spec.template.spec.serviceAccountName).toBe(name);
      const budget = find('PodDisruptionBudget');
      expect(selects(budget?.spec.selector, podLabels(deployment))).toBe(true);
      const policy = find('NetworkPolicy') as NetworkPolicy | undefined;
      expect(policy?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(selects(policy?.spec.podSelector, podLabels(deployment))).toBe(true);
      expect(isEmptySelector(policy?.spec.podSelector)).toBe(false);
    });
  });

  it('denies all traffic in the namespace by default and allows DNS', () => {
    const manifests = base.map(({ manifest }) => manifest);
    expect(defaultDenyProblems(manifests)).toEqual([]);
    const dns = manifests
      .filter(isPolicy)
      .filter((p) => isEmptySelector(p.spec.podSelector))
      .flatMap((p) => p.spec.egress ?? []);
    expect(dns.some((rule) => rule.ports?.some((p) => p.port === DNS_PORT && p.protocol === 'UDP'))).toBe(
      true,
    );
  });

  it.each(overlayDirs.map((dir) => [rel(dir), dir]))(
    '%s: every workload has a policy, ingress on its Service ports, and the egress it needs',
    (_, dir) => {
      const manifests = manifestsOf(resourceFiles(dir)).map(({ manifest }) => manifest);
      expect(ingressProblems(manifests)).toEqual([]);
      expect(egressProblems(manifests)).toEqual([]);
    },
  );

  it('dev: the infrastructure the services reach exists and accepts exactly them', () => {
    const manifests = manifestsOf(resourceFiles(join(k8sRoot, 'overlays/dev'))).map(
      ({ manifest }) => manifest,
    );
    expect(peerProblems(manifests)).toEqual([]);
  });

  it('production: avl and routing scale by HPA from 2, the rest run 2 replicas', () => {
    const dir = join(k8sRoot, 'overlays/production');
    const k = kustomizationAt(dir);
    const hpas = manifestsOf(resourceFiles(dir))
      .map(({ manifest }) => manifest)
      .filter((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['avl', 'routing']);
    for (const hpa of hpas) {
      expect(hpa.spec.scaleTargetRef.kind).toBe('Deployment');
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    }
    const counts = Object.fromEntries((k.replicas ?? []).map((r) => [r.name, r.count]));
    for (const name of SERVICES) {
      if (name === 'avl' || name === 'routing') expect(counts[name], name).toBeUndefined();
      else expect(counts[name], name).toBeGreaterThanOrEqual(2);
    }
    // Base leaves replicas unset so an HPA is never fighting the manifest.
    expect(
      base.filter(({ manifest }) => isWorkload(manifest) && manifest.spec.replicas !== undefined),
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Tests on the rendered overlays (when a kustomize is available)

function findRenderer(): ((dir: string) => string) | undefined {
  const candidates: [string, string[]][] = [
    ['kubectl', ['kustomize']],
    ['kustomize', ['build']],
  ];
  for (const [command, args] of candidates) {
    try {
      execFileSync(command, [...args, '--help'], { stdio: 'ignore' });
      return (dir) =>
        execFileSync(command, [...args, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch {}
  }
  return undefined;
}

const render = findRenderer();

describe.skipIf(!render)('k8s/ rendered with kustomize', () => {
  // A copy, so the dev overlay's git-ignored secret files can be stood in for by their examples.
  let scratch = '';
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'mobility-k8s-'));
    cpSync(k8sRoot, join(scratch, 'k8s'), { recursive: true });
    for (const example of filesUnder(join(scratch, 'k8s')).filter((f) => f.endsWith('.env.example'))) {
      copyFileSync(example, example.slice(0, -'.example'.length));
    }
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const rendered = (overlay: string): Manifest[] =>
    parseYaml(render?.(join(scratch, 'k8s/overlays', overlay)) ?? '', overlay).filter(isManifest);

  it.each(['dev', 'production'])('%s: stays hardened, namespaced and network-policed', (overlay) => {
    const manifests = rendered(overlay);
    const loaded = manifests.map((manifest) => ({ file: `rendered ${overlay}`, manifest }));
    expect(hardeningProblems(loaded)).toEqual([]);
    expect(defaultDenyProblems(manifests)).toEqual([]);
    expect(ingressProblems(manifests)).toEqual([]);
    expect(egressProblems(manifests)).toEqual([]);
    const outside = manifests.filter((m) => m.kind !== 'Namespace' && m.metadata?.namespace !== 'mobility');
    expect(outside.map(nameOf)).toEqual([]);
    const images = manifests
      .filter(isWorkload)
      .flatMap((w) => w.spec.template.spec.containers.map((c) => c.image));
    expect(images.filter((image) => image?.split('/').at(-1) === OUR_IMAGE)).toEqual([]);
  });

  it('dev: every Secret and ConfigMap a pod refers to is generated, with the key it reads', () => {
    const manifests = rendered('dev');
    const problems: string[] = [];
    const keysOf = (kind: string, name: string) => {
      const m = manifests.find((x) => x.kind === kind && x.metadata?.name === name);
      return m ? new Set(Object.keys(m.data ?? {})) : undefined;
    };
    for (const workload of manifests.filter(isWorkload)) {
      for (const container of containersOf(workload)) {
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef ?? env.valueFrom?.configMapKeyRef;
          const kind = env.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap';
          if (ref && !keysOf(kind, ref.name)?.has(ref.key)) {
            problems.push(`${nameOf(workload)} ${env.name}: ${kind} ${ref.name} has no key ${ref.key}`);
          }
        }
        for (const from of container.envFrom ?? []) {
          const name = from.configMapRef?.name;
          if (name && !keysOf('ConfigMap', name)) problems.push(`${nameOf(workload)}: no ConfigMap ${name}`);
        }
      }
      for (const volume of workload.spec.template.spec.volumes ?? []) {
        if (volume.configMap && !keysOf('ConfigMap', volume.configMap.name)) {
          problems.push(`${nameOf(workload)}: no ConfigMap ${volume.configMap.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(peerProblems(manifests)).toEqual([]);
    const ours = manifests.filter(isWorkload).filter((w) => w.spec.template.spec.containers.some(isOurs));
    const replicas = ours.map((w) => `${w.metadata?.name}=${w.spec.replicas}`).sort();
    expect(replicas).toEqual(SERVICES.map((name) => `${name}=1`).sort());
  });

  it('production: PDBs keep one pod, pods spread, and egress goes to the managed services only', () => {
    const manifests = rendered('production');
    const budgets = manifests.filter((m) => m.kind === 'PodDisruptionBudget');
    expect(budgets).toHaveLength(SERVICES.length);
    for (const budget of budgets) {
      expect(budget.spec.minAvailable, nameOf(budget)).toBe(1);
      expect(budget.spec.maxUnavailable, nameOf(budget)).toBeUndefined();
    }
    const ours = manifests.filter(isWorkload).filter((w) => w.spec.template.spec.containers.some(isOurs));
    expect(ours).toHaveLength(SERVICES.length);
    for (const workload of ours) {
      const spread = workload.spec.template.spec.topologySpreadConstraints ?? [];
      expect(spread.length, nameOf(workload)).toBeGreaterThan(0);
    }
    // No in-cluster Kafka, PostgreSQL or Redis in production: those ports must go to ipBlocks.
    for (const policy of manifests.filter(isPolicy)) {
      for (const rule of policy.spec.egress ?? []) {
        const ports = rulePorts(rule, undefined);
        const infra = ports !== 'all' && [9092, POSTGRES_PORT, 6379].some((p) => ports.has(p));
        if (infra)
          expect(
            rule.to?.every((peer) => peer.ipBlock),
            nameOf(policy),
          ).toBe(true);
      }
    }
    const config = manifests.find(
      (m) => m.kind === 'ConfigMap' && m.metadata?.name?.startsWith('mobility-config'),
    );
    expect(config?.data?.KAFKA_BROKERS).not.toBe('kafka:9092');
    expect(config?.data?.REDIS_URL).not.toBe('redis://redis:6379');
  });
});
