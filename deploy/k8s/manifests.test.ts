// Checks every manifest under deploy/k8s: schema (kubernetes-models), security policy, selectors, references,
// kustomization file lists and secret hygiene. When kubectl is installed, the kustomize builds are checked too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { DaemonSet, type IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet, type IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob, type ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { healthBillingSchema, loadHealthBillingConfig } from '../../services/health-billing/src/config.ts';
import { loadTransitConfig, transitSchema } from '../../services/transit/src/config.ts';
import { consoleSchema, loadConsoleConfig } from '../../services/console/src/config.ts';
import { serviceArgs, serviceEnvironment } from '../node_flags.ts';

const K8S_DIR = import.meta.dirname;
const REPO_DIR = resolve(K8S_DIR, '..', '..');
const PLACEHOLDER = 'REPLACE_ME';
const TEMPLATE_SUFFIX = '.template.yaml';
const KUSTOMIZATION_FILE = 'kustomization.yaml';
/** Images built from this repository; their containers are the citypass services. */
const CITYPASS_IMAGE_PREFIX = 'citypass/';
/**
 * Setting names that hold secrets: they must come from a Secret, never from a ConfigMap or a literal. NATS_URL carries
 * the service's NATS user and password (nats://<user>:<password>@nats:4222).
 */
const SECRET_NAME = /(^|_)(SECRET|PASSWORD|PASSWD|TOKEN|KEYS?|DATABASE_URL|NATS_URL)$/;
/**
 * Settings every service process also reads, through @citypass/platform/telemetry (loaded by `--import` before
 * main.ts), which does not export its schema. OTEL_EXPORTER_OTLP_ENDPOINT is optional (no trace export when unset).
 */
const TELEMETRY_ENV: readonly string[] = ['METRICS_PORT', 'METRICS_HOST', 'OTEL_EXPORTER_OTLP_ENDPOINT'];
// Variables a container may get that no config schema reads: telemetry's, and the C library's (deploy/node_flags.ts).
const READ_ELSEWHERE: readonly string[] = [...TELEMETRY_ENV, ...Object.keys(serviceEnvironment)];

// Every kind the manifests may use. A kind missing here fails the test instead of being skipped.
type ModelClass = new (data: never) => { validate(): void };
const MODELS: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ['v1/Namespace', Namespace],
  ['v1/ServiceAccount', ServiceAccount],
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['apps/v1/Deployment', Deployment],
  ['apps/v1/StatefulSet', StatefulSet],
  ['apps/v1/DaemonSet', DaemonSet],
  ['batch/v1/Job', Job],
  ['batch/v1/CronJob', CronJob],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['networking.k8s.io/v1/NetworkPolicy', NetworkPolicy],
  ['networking.k8s.io/v1/Ingress', Ingress],
  ['autoscaling/v2/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
]);

interface Resource {
  readonly where: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly obj: object;
}

type LabelSelector = NonNullable<IDeployment['spec']>['selector'];
type IntOrString = number | string;

interface Workload {
  readonly res: Resource;
  readonly template: IPodTemplateSpec;
  readonly selector: LabelSelector | undefined;
  readonly claimTemplates: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const label = (r: Resource): string => `${r.where} ${r.kind}/${r.name}`;
const rel = (path: string): string => relative(K8S_DIR, path).split(sep).join('/');

// ---------------------------------------------------------------------------------------------- loading

/** Parses a YAML stream; any YAML error or warning, or an empty document, is an error. */
function parseYaml(text: string, where: string): unknown[] {
  const values: unknown[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    const issues = [...doc.errors, ...doc.warnings];
    if (issues.length > 0) throw new Error(`${where}#${index}: ${issues.map((i) => i.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) throw new Error(`${where}#${index}: empty YAML document`);
    values.push(value);
  }
  if (values.length === 0) throw new Error(`${where}: no YAML documents`);
  return values;
}

/** Validates one document against the kubernetes-models schema of its kind; unknown kinds throw. */
function toResource(value: unknown, where: string): Resource {
  if (!isRecord(value)) throw new Error(`${where}: not a mapping`);
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    throw new Error(`${where}: missing apiVersion or kind`);
  const Model = MODELS.get(`${apiVersion}/${kind}`);
  if (Model === undefined) {
    throw new Error(`${where}: unknown kind ${apiVersion}/${kind} (add its kubernetes-models class to MODELS)`);
  }
  try {
    new Model(value as never).validate();
  } catch (error) {
    throw new Error(`${where} ${kind}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new Error(`${where} ${kind}: metadata.name is required`);
  }
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return { where, apiVersion, kind, name: metadata.name, namespace, obj: value };
}

function yamlFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(entry.name)) files.push(path);
  }
  return files;
}

interface Kustomization {
  readonly file: string;
  readonly dir: string;
  readonly kind: 'Kustomization' | 'Component';
  readonly body: Record<string, unknown>;
}

interface Sources {
  readonly kustomizations: readonly Kustomization[];
  /** Manifests that kustomize applies (everything except kustomizations, templates and patches). */
  readonly resources: readonly Resource[];
  /** *.template.yaml: documentation of objects created outside kustomize (Secrets from the secret store). */
  readonly templates: readonly Resource[];
  readonly patches: readonly Resource[];
  readonly problems: readonly string[];
}

const KUSTOMIZATION_KINDS: Readonly<Record<string, Kustomization['kind']>> = {
  'kustomize.config.k8s.io/v1beta1/Kustomization': 'Kustomization',
  'kustomize.config.k8s.io/v1alpha1/Component': 'Component',
};

function loadSources(): Sources {
  const problems: string[] = [];
  const files = yamlFiles(K8S_DIR);
  const kustomizations: Kustomization[] = [];
  for (const file of files.filter((f) => basename(f) === KUSTOMIZATION_FILE)) {
    try {
      const [body, ...rest] = parseYaml(readFileSync(file, 'utf8'), rel(file));
      if (rest.length > 0 || !isRecord(body)) throw new Error(`${rel(file)}: must be a single mapping`);
      const kind = KUSTOMIZATION_KINDS[`${String(body.apiVersion)}/${String(body.kind)}`];
      if (kind === undefined)
        throw new Error(`${rel(file)}: unknown kustomization kind ${String(body.apiVersion)}/${String(body.kind)}`);
      kustomizations.push({ file, dir: dirname(file), kind, body });
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  const patchFiles = new Set(kustomizations.flatMap((k) => patchPaths(k)));
  const resources: Resource[] = [];
  const templates: Resource[] = [];
  const patches: Resource[] = [];
  for (const file of files.filter((f) => basename(f) !== KUSTOMIZATION_FILE)) {
    try {
      const values = parseYaml(readFileSync(file, 'utf8'), rel(file));
      for (const [index, value] of values.entries()) {
        const where = `${rel(file)}#${index}`;
        if (patchFiles.has(file)) patches.push(toPatch(value, where));
        else (file.endsWith(TEMPLATE_SUFFIX) ? templates : resources).push(toResource(value, where));
      }
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { kustomizations, resources, templates, patches, problems };
}

/** A strategic-merge patch is a partial object: its kind must be known, its fields are not all required. */
function toPatch(value: unknown, where: string): Resource {
  if (!isRecord(value) || !isRecord(value.metadata) || typeof value.metadata.name !== 'string') {
    throw new Error(`${where}: a patch needs apiVersion, kind and metadata.name`);
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !MODELS.has(`${apiVersion}/${kind}`)) {
    throw new Error(`${where}: patch of unknown kind ${String(apiVersion)}/${String(kind)}`);
  }
  return { where, apiVersion, kind, name: value.metadata.name, namespace: undefined, obj: value };
}

function patchPaths(k: Kustomization): string[] {
  const patches = Array.isArray(k.body.patches) ? (k.body.patches as unknown[]) : [];
  return patches.flatMap((p) => (isRecord(p) && typeof p.path === 'string' ? [resolve(k.dir, p.path)] : []));
}

let cached: Sources | undefined;
const sources = (): Sources => (cached ??= loadSources());

// ---------------------------------------------------------------------------------------------- helpers

function workloadOf(r: Resource): Workload | undefined {
  switch (r.kind) {
    case 'Deployment': {
      const spec = (r.obj as IDeployment).spec;
      return spec && { res: r, template: spec.template, selector: spec.selector, claimTemplates: [] };
    }
    case 'StatefulSet': {
      const spec = (r.obj as IStatefulSet).spec;
      const claims = (spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? '');
      return spec && { res: r, template: spec.template, selector: spec.selector, claimTemplates: claims };
    }
    case 'DaemonSet': {
      const spec = (r.obj as IDaemonSet).spec;
      return spec && { res: r, template: spec.template, selector: spec.selector, claimTemplates: [] };
    }
    case 'Job': {
      const spec = (r.obj as IJob).spec;
      return spec && { res: r, template: spec.template, selector: spec.selector, claimTemplates: [] };
    }
    case 'CronJob': {
      const spec = (r.obj as ICronJob).spec.jobTemplate.spec;
      return spec && { res: r, template: spec.template, selector: spec.selector, claimTemplates: [] };
    }
    default:
      return undefined;
  }
}

const workloads = (resources: readonly Resource[]): Workload[] =>
  resources.flatMap((r) => {
    const w = workloadOf(r);
    return w ? [w] : [];
  });

const containersOf = (w: Workload): IContainer[] => [
  ...(w.template.spec?.initContainers ?? []),
  ...(w.template.spec?.containers ?? []),
];

const isCitypass = (c: IContainer): boolean => (c.image ?? '').startsWith(CITYPASS_IMAGE_PREFIX);

/** Jobs and CronJobs run to completion: they serve nothing, so they need no probes. */
const runsToCompletion = (w: Workload): boolean => w.res.kind === 'Job' || w.res.kind === 'CronJob';

function isEmptySelector(s: LabelSelector | undefined): boolean {
  return s === undefined || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0);
}

function selects(s: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (s === undefined) return false;
  const labelsOk = Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const exprsOk = (s.matchExpressions ?? []).every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(e.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
  return labelsOk && exprsOk;
}

const podLabels = (w: Workload): Record<string, string> => w.template.metadata?.labels ?? {};

/** The container port a Service, probe or policy port refers to, or undefined when no container declares it. */
function resolvePort(
  w: Workload,
  port: IntOrString,
  containers: readonly IContainer[] = containersOf(w),
): number | undefined {
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (typeof port === 'number' ? p.containerPort === port : p.name === port) return p.containerPort;
    }
  }
  return undefined;
}

const QUANTITY = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const FACTORS: Readonly<Record<string, number>> = {
  '': 1,
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

function parseQuantity(q: number | string | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q);
  const factor = FACTORS[m?.[2] ?? ''];
  return m?.[1] === undefined || factor === undefined ? undefined : Number(m[1]) * factor;
}

// ---------------------------------------------------------------------------------------------- checks

/** Non-root, read-only root fs, no privilege, all capabilities dropped, seccomp, bounded resources. */
function containerProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(resources)) {
    const pod = w.template.spec;
    if (pod === undefined) {
      problems.push(`${label(w.res)}: pod template has no spec`);
      continue;
    }
    const p = (msg: string): void => void problems.push(`${label(w.res)}: ${msg}`);
    if (pod.automountServiceAccountToken !== false) p('automountServiceAccountToken must be false');
    if (pod.hostNetwork === true || pod.hostPID === true || pod.hostIPC === true) p('must not share host namespaces');
    const podSc = pod.securityContext ?? {};
    for (const c of containersOf(w)) {
      const cp = (msg: string): void => {
        p(`container ${c.name}: ${msg}`);
      };
      const sc = c.securityContext ?? {};
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) cp('runAsNonRoot must be true');
      const uid = sc.runAsUser ?? podSc.runAsUser;
      if (uid === undefined || uid === 0) cp('runAsUser must be a non-zero uid');
      if (sc.readOnlyRootFilesystem !== true) cp('readOnlyRootFilesystem must be true');
      if (sc.allowPrivilegeEscalation !== false) cp('allowPrivilegeEscalation must be false');
      if (sc.privileged === true) cp('must not be privileged');
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) cp('capabilities must drop ALL');
      if ((sc.capabilities?.add ?? []).length > 0) cp('must not add capabilities');
      const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') cp('seccompProfile must be RuntimeDefault');
      for (const resource of ['cpu', 'memory'] as const) {
        const request = c.resources?.requests?.[resource];
        const limit = c.resources?.limits?.[resource];
        if (request === undefined || limit === undefined) {
          cp(`needs a ${resource} request and limit`);
          continue;
        }
        const [req, lim] = [parseQuantity(request), parseQuantity(limit)];
        if (req === undefined || lim === undefined)
          cp(`unreadable ${resource} quantity ${String(request)}/${String(limit)}`);
        else if (req > lim) cp(`${resource} request ${String(request)} exceeds limit ${String(limit)}`);
      }
      const names = (c.env ?? []).map((e) => e.name);
      for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) cp(`env ${dup} is set twice`);
    }
  }
  return problems;
}

/**
 * citypass service containers: gRPC startup, readiness and liveness probes on the grpc port (HTTP-only services,
 * the console, which serve no gRPC: HTTP probes of /healthz on the http port); every probe port exists. Containers of Jobs and CronJobs need no probes (any they have must still name a container port).
 */
function probeProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(resources)) {
    for (const c of w.template.spec?.containers ?? []) {
      const cp = (msg: string): void => void problems.push(`${label(w.res)}: container ${c.name}: ${msg}`);
      const isService = isCitypass(c) && !runsToCompletion(w);
      const probes = { startupProbe: c.startupProbe, readinessProbe: c.readinessProbe, livenessProbe: c.livenessProbe };
      for (const [kind, probe] of Object.entries(probes)) {
        if (probe === undefined) {
          if (isService) cp(`needs a ${kind}`);
          continue;
        }
        const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
        if (port !== undefined && resolvePort(w, port, [c]) === undefined)
          cp(`${kind} port ${String(port)} is not a container port`);
        if (isService) {
          const grpcPort = c.ports?.find((p) => p.name === 'grpc')?.containerPort;
          const httpPort = c.ports?.find((p) => p.name === 'http')?.containerPort;
          if (grpcPort === undefined && httpPort === undefined) cp('needs a container port named grpc or http');
          else if (grpcPort !== undefined && probe.grpc?.port !== grpcPort)
            cp(`${kind} must be a gRPC probe on port ${grpcPort}`);
          else if (grpcPort === undefined && (probe.httpGet?.port !== httpPort || probe.httpGet?.path !== '/healthz'))
            cp(`${kind} must be an HTTP probe of /healthz on port ${String(httpPort)}`);
        }
      }
    }
  }
  return problems;
}

/** Workload selectors match their own template and nothing else; Services, PDBs and policies select workloads. */
function selectorProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  const all = workloads(resources);
  for (const w of all) {
    if (w.res.kind === 'Job' || w.res.kind === 'CronJob') continue; // selectors are generated
    if (isEmptySelector(w.selector)) problems.push(`${label(w.res)}: selector must not be empty`);
    else if (!selects(w.selector, podLabels(w)))
      problems.push(`${label(w.res)}: selector does not match the template labels`);
    for (const other of all) {
      if (other !== w && selects(w.selector, podLabels(other))) {
        problems.push(`${label(w.res)}: selector also matches the pods of ${label(other.res)}`);
      }
    }
  }
  const services = resources.filter((r) => r.kind === 'Service');
  for (const r of services) {
    const spec = (r.obj as IService).spec ?? {};
    if (spec.type === 'ExternalName') continue;
    const selector: LabelSelector = { matchLabels: spec.selector ?? {} };
    const matched = all.filter((w) => selects(selector, podLabels(w)));
    if (isEmptySelector(selector)) problems.push(`${label(r)}: selector must not be empty`);
    else if (matched.length === 0) problems.push(`${label(r)}: selector matches no workload`);
    for (const port of spec.ports ?? []) {
      for (const w of matched) {
        const target = port.targetPort ?? port.port;
        if (resolvePort(w, target) === undefined) {
          problems.push(
            `${label(r)}: port ${port.name ?? port.port} targets ${String(target)}, not a port of ${label(w.res)}`,
          );
        }
      }
    }
  }
  for (const w of all.filter((x) => x.res.kind === 'StatefulSet')) {
    const serviceName = (w.res.obj as IStatefulSet).spec?.serviceName;
    if (serviceName !== undefined && !services.some((s) => s.name === serviceName)) {
      problems.push(`${label(w.res)}: serviceName ${serviceName} is not a Service`);
    }
  }
  for (const r of resources.filter((x) => x.kind === 'PodDisruptionBudget')) {
    const selector = (r.obj as IPodDisruptionBudget).spec?.selector;
    if (isEmptySelector(selector)) problems.push(`${label(r)}: selector must not be empty`);
    else if (!all.some((w) => selects(selector, podLabels(w))))
      problems.push(`${label(r)}: selector matches no workload`);
  }
  for (const r of resources.filter((x) => x.kind === 'NetworkPolicy')) {
    const spec = (r.obj as INetworkPolicy).spec;
    const matched = all.filter((w) => selects(spec?.podSelector, podLabels(w)));
    if (!isEmptySelector(spec?.podSelector) && matched.length === 0)
      problems.push(`${label(r)}: podSelector matches no workload`);
    const allowed = (spec?.ingress ?? []).flatMap((rule) => rule.ports ?? []);
    for (const w of matched) {
      for (const port of allowed) {
        if (port.port !== undefined && resolvePort(w, port.port) === undefined) {
          problems.push(`${label(r)}: ingress port ${String(port.port)} is not a port of ${label(w.res)}`);
        }
      }
      if (!(spec?.policyTypes ?? []).includes('Ingress')) continue;
      // Every port a Service exposes on these pods must be let in, or the Service is dead.
      for (const s of services) {
        const sspec = (s.obj as IService).spec ?? {};
        if (
          !selects({ matchLabels: sspec.selector ?? {} }, podLabels(w)) ||
          isEmptySelector({ matchLabels: sspec.selector ?? {} })
        )
          continue;
        for (const sp of sspec.ports ?? []) {
          const target = resolvePort(w, sp.targetPort ?? sp.port);
          const letIn = allowed.some((a) => a.port !== undefined && resolvePort(w, a.port) === target);
          if (target !== undefined && !letIn)
            problems.push(`${label(r)}: blocks port ${target} that ${label(s)} exposes`);
        }
      }
    }
  }
  return problems;
}

/** Every ConfigMap, Secret, ServiceAccount and volume a pod refers to exists (Secrets may exist as templates). */
function referenceProblems(resources: readonly Resource[], secretTemplates: readonly Resource[]): string[] {
  const problems: string[] = [];
  const keysOf = (r: Resource): Set<string> => {
    const { data, stringData } = r.obj as ISecret; // a ConfigMap's data has the same shape
    return new Set([...Object.keys(data ?? {}), ...Object.keys(stringData ?? {})]);
  };
  const configMaps = new Map(resources.filter((r) => r.kind === 'ConfigMap').map((r) => [r.name, keysOf(r)]));
  const secrets = new Map(
    [...resources, ...secretTemplates].filter((r) => r.kind === 'Secret').map((r) => [r.name, keysOf(r)]),
  );
  const accounts = new Set(resources.filter((r) => r.kind === 'ServiceAccount').map((r) => r.name));
  for (const w of workloads(resources)) {
    const pod = w.template.spec;
    const p = (msg: string): void => void problems.push(`${label(w.res)}: ${msg}`);
    const account = pod?.serviceAccountName;
    if (account !== undefined && account !== 'default' && !accounts.has(account))
      p(`serviceAccountName ${account} is not a ServiceAccount`);
    const volumes = new Set([...(pod?.volumes ?? []).map((v) => v.name), ...w.claimTemplates]);
    for (const v of pod?.volumes ?? []) {
      if (v.configMap && v.configMap.optional !== true && !configMaps.has(v.configMap.name ?? ''))
        p(`volume ${v.name}: no ConfigMap ${String(v.configMap.name)}`);
      if (v.secret && v.secret.optional !== true && !secrets.has(v.secret.secretName ?? ''))
        p(`volume ${v.name}: no Secret ${String(v.secret.secretName)}`);
    }
    for (const c of containersOf(w)) {
      for (const m of c.volumeMounts ?? [])
        if (!volumes.has(m.name)) p(`container ${c.name}: mount ${m.name} is not a volume`);
      for (const from of c.envFrom ?? []) {
        const cm = from.configMapRef;
        const sr = from.secretRef;
        if (cm && cm.optional !== true && !configMaps.has(cm.name ?? ''))
          p(`container ${c.name}: no ConfigMap ${String(cm.name)}`);
        if (sr && sr.optional !== true && !secrets.has(sr.name ?? ''))
          p(`container ${c.name}: no Secret ${String(sr.name)}`);
      }
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const sr = e.valueFrom?.secretKeyRef;
        if (cm && cm.optional !== true && !configMaps.get(cm.name ?? '')?.has(cm.key))
          p(`container ${c.name}: env ${e.name}: no ConfigMap key ${String(cm.name)}/${cm.key}`);
        if (sr && sr.optional !== true && !secrets.get(sr.name ?? '')?.has(sr.key))
          p(`container ${c.name}: env ${e.name}: no Secret key ${String(sr.name)}/${sr.key}`);
      }
    }
  }
  return problems;
}

/** Secrets hold placeholders only and are never applied; secret-like settings never sit in ConfigMaps or literals. */
function secretProblems(resources: readonly Resource[], templates: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const r of resources.filter((x) => x.kind === 'Secret')) {
    problems.push(
      `${label(r)}: would be applied by kustomize; keep Secrets in *${TEMPLATE_SUFFIX} files (values come from the secret store)`,
    );
  }
  for (const r of [...resources, ...templates].filter((x) => x.kind === 'Secret')) {
    const secret = r.obj as ISecret;
    const values = [
      ...Object.entries(secret.stringData ?? {}),
      ...Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')] as const),
    ];
    if (values.length === 0) problems.push(`${label(r)}: names no keys`);
    for (const [key, value] of values)
      if (value !== PLACEHOLDER) problems.push(`${label(r)}: ${key} is not the placeholder ${PLACEHOLDER}`);
  }
  for (const r of resources.filter((x) => x.kind === 'ConfigMap')) {
    for (const [key, value] of Object.entries((r.obj as IConfigMap).data ?? {})) {
      if (SECRET_NAME.test(key)) problems.push(`${label(r)}: ${key} is a secret; move it to the Secret`);
      if (/:\/\/[^/@\s]*:[^/@\s]*@/.test(value)) problems.push(`${label(r)}: ${key} carries credentials in a URL`);
    }
  }
  for (const w of workloads(resources)) {
    for (const c of containersOf(w)) {
      for (const e of c.env ?? []) {
        if (e.value !== undefined && SECRET_NAME.test(e.name))
          problems.push(`${label(w.res)}: container ${c.name}: ${e.name} must come from a Secret`);
      }
    }
  }
  return problems;
}

const KUSTOMIZATION_KEYS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'labels',
  'commonAnnotations',
  'resources',
  'components',
  'patches',
  'configMapGenerator',
  'generatorOptions',
  'images',
  'replicas',
]);

/** Lists name only local files that exist; every manifest is listed; templates are never listed. */
function kustomizationProblems(src: Sources): string[] {
  const problems: string[] = [];
  const listed = new Set<string>();
  const kinds = new Map(src.kustomizations.map((k) => [k.dir, k.kind]));
  const strings = (k: Kustomization, key: string): string[] => {
    const value = k.body[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      problems.push(`${rel(k.file)}: ${key} must be a list of paths`);
      return [];
    }
    const dups = value.filter((v, i) => value.indexOf(v) !== i);
    for (const dup of dups) problems.push(`${rel(k.file)}: ${key} lists ${dup} twice`);
    return value;
  };
  const local = (k: Kustomization, entry: string): string | undefined => {
    const path = resolve(k.dir, entry);
    if (/^[a-z]+:\/\/|^github\.com\//.test(entry))
      problems.push(`${rel(k.file)}: ${entry} is remote; only local paths are allowed`);
    else if (path !== K8S_DIR && !path.startsWith(K8S_DIR + sep))
      problems.push(`${rel(k.file)}: ${entry} leaves deploy/k8s`);
    else if (!existsSync(path)) problems.push(`${rel(k.file)}: ${entry} does not exist`);
    else return path;
    return undefined;
  };
  for (const k of src.kustomizations) {
    for (const key of Object.keys(k.body))
      if (!KUSTOMIZATION_KEYS.has(key)) problems.push(`${rel(k.file)}: unsupported field ${key}`);
    for (const entry of strings(k, 'resources')) {
      const path = local(k, entry);
      if (path === undefined) continue;
      if (statSync(path).isDirectory()) {
        if (kinds.get(path) !== 'Kustomization')
          problems.push(`${rel(k.file)}: resource ${entry} is not a Kustomization directory`);
      } else if (!/\.ya?ml$/.test(path) || basename(path) === KUSTOMIZATION_FILE) {
        problems.push(`${rel(k.file)}: resource ${entry} is not a manifest`);
      } else {
        listed.add(path);
      }
    }
    for (const entry of strings(k, 'components')) {
      const path = local(k, entry);
      if (path !== undefined && kinds.get(path) !== 'Component')
        problems.push(`${rel(k.file)}: component ${entry} is not a Component directory`);
    }
    const patches = k.body.patches ?? [];
    if (!Array.isArray(patches)) problems.push(`${rel(k.file)}: patches must be a list`);
    else {
      for (const patch of patches as unknown[]) {
        if (isRecord(patch) && typeof patch.path === 'string') {
          const path = local(k, patch.path);
          if (path !== undefined) listed.add(path);
        } else if (!isRecord(patch) || typeof patch.patch !== 'string')
          problems.push(`${rel(k.file)}: a patch needs path or patch`);
      }
    }
    const generators = k.body.configMapGenerator ?? [];
    for (const gen of Array.isArray(generators) ? (generators as unknown[]) : []) {
      if (!isRecord(gen)) continue;
      for (const field of ['files', 'envs'] as const) {
        const entries = Array.isArray(gen[field]) ? (gen[field] as unknown[]) : [];
        for (const entry of entries) if (typeof entry === 'string') local(k, entry.slice(entry.indexOf('=') + 1));
      }
    }
  }
  const fileOf = (r: Resource): string => resolve(K8S_DIR, r.where.replace(/#\d+$/, ''));
  for (const file of new Set(src.resources.map(fileOf))) {
    if (!listed.has(file))
      problems.push(`${rel(file)}: listed by no kustomization (name it *${TEMPLATE_SUFFIX} if it is not applied)`);
  }
  for (const file of new Set(src.templates.map(fileOf))) {
    if (listed.has(file)) problems.push(`${rel(file)}: a template must not be listed by a kustomization`);
  }
  const targets = new Set(src.resources.map((r) => `${r.kind}/${r.name}`));
  for (const patch of src.patches) {
    if (!targets.has(`${patch.kind}/${patch.name}`))
      problems.push(`${patch.where}: patches ${patch.kind}/${patch.name}, which no manifest defines`);
  }
  return problems;
}

/**
 * Jobs and CronJobs: the pod restartPolicy is Never or OnFailure (the API rejects Always, the schema does not), and
 * a CronJob never overlaps runs or keeps no failed Job to read.
 */
function jobProblems(resources: readonly Resource[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(resources).filter(runsToCompletion)) {
    const policy = w.template.spec?.restartPolicy;
    if (policy !== 'Never' && policy !== 'OnFailure')
      problems.push(`${label(w.res)}: restartPolicy must be Never or OnFailure`);
    if (w.res.kind !== 'CronJob') continue;
    const spec = (w.res.obj as ICronJob).spec;
    if (spec.concurrencyPolicy !== 'Forbid') problems.push(`${label(w.res)}: concurrencyPolicy must be Forbid`);
    if (spec.failedJobsHistoryLimit === 0)
      problems.push(`${label(w.res)}: failedJobsHistoryLimit must keep failed Jobs`);
  }
  return problems;
}

/** The environment variable names a container gets: the keys of the ConfigMaps and Secrets it takes whole, and its env. */
function envNames(c: IContainer, resources: readonly Resource[], templates: readonly Resource[]): string[] {
  const keysOf = (kind: string, name: string | undefined): string[] => {
    const found = [...resources, ...templates].find((r) => r.kind === kind && r.name === name);
    const { data, stringData } = (found?.obj ?? {}) as ISecret; // a ConfigMap's data has the same shape
    return [...Object.keys(data ?? {}), ...Object.keys(stringData ?? {})];
  };
  const fromSources = (c.envFrom ?? []).flatMap((from) =>
    [
      ...(from.configMapRef ? keysOf('ConfigMap', from.configMapRef.name) : []),
      ...(from.secretRef ? keysOf('Secret', from.secretRef.name) : []),
    ].map((key) => `${from.prefix ?? ''}${key}`),
  );
  return [...fromSources, ...(c.env ?? []).map((e) => e.name)];
}

/** How the names a container gets differ from a service's config schema (plus names other modules read). */
function envDrift(names: readonly string[], schema: object, readElsewhere: readonly string[]): string[] {
  const known = new Set([...Object.keys(schema), ...readElsewhere]);
  return [
    ...Object.keys(schema)
      .filter((n) => !names.includes(n))
      .map((n) => `${n} is read by config.ts but not set`),
    ...names.filter((n) => !known.has(n)).map((n) => `${n} is set but config.ts does not read it`),
    ...[...new Set(names.filter((n, i) => names.indexOf(n) !== i))].map((n) => `${n} is set twice`),
  ];
}

const allPolicyProblems = (resources: readonly Resource[], templates: readonly Resource[]): string[] => [
  ...containerProblems(resources),
  ...jobProblems(resources),
  ...probeProblems(resources),
  ...selectorProblems(resources),
  ...referenceProblems(resources, templates),
  ...secretProblems(resources, templates),
];

// ---------------------------------------------------------------------------------------------- tests

test('k8s - every YAML document parses and validates against the schema of its kind', () => {
  const src = sources();
  assert.deepEqual(src.problems, []);
  assert.ok(src.kustomizations.length >= 2, 'base and components are found');
  assert.ok(src.resources.length >= 8, 'manifests are found');
});

test('k8s - schema validation rejects unknown kinds and bad fields instead of skipping them', () => {
  assert.throws(() => toResource({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, 'x'), {
    message: 'x: unknown kind example.com/v1/Widget (add its kubernetes-models class to MODELS)',
  });
  assert.throws(
    () => toResource({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} }, 'x'),
    /must have required property/,
  );
  assert.throws(
    () => toResource({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { A: 1 } }, 'x'),
    /must be string/,
  );
  assert.throws(() => toResource({ apiVersion: 'v1', kind: 'ConfigMap', data: {} }, 'x'), {
    message: 'x ConfigMap: metadata.name is required',
  });
  assert.throws(
    () =>
      toResource(
        { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '@daily' } },
        'x',
      ),
    /spec must have required property jobTemplate/,
  );
  assert.throws(
    () =>
      toResource(
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'c' },
          spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [{}] } } } } },
        },
        'x',
      ),
    /containers\/0 must have required property name/,
  );
  assert.throws(() => parseYaml('a: 1\na: 2\n', 'dup.yaml'), /dup\.yaml#0: .*unique/i);
  assert.throws(() => parseYaml('a: 1\n---\n', 'empty.yaml'), { message: 'empty.yaml#1: empty YAML document' });
});

test('k8s - every container runs non-root with a read-only root filesystem, no capabilities and bounded resources', () => {
  assert.deepEqual(containerProblems(sources().resources), []);
});

test('k8s - citypass service containers have gRPC startup, readiness and liveness probes', () => {
  const src = sources();
  assert.deepEqual(probeProblems(src.resources), []);
  const citypass = workloads(src.resources).flatMap((w) => (w.template.spec?.containers ?? []).filter(isCitypass));
  assert.ok(citypass.length >= 1, 'at least one citypass service container is checked');
});

test('k8s - Jobs and CronJobs never restart in place, and CronJobs neither overlap nor drop failed runs', () => {
  const src = sources();
  assert.deepEqual(jobProblems(src.resources), []);
  assert.ok(
    src.resources.some((r) => r.kind === 'CronJob'),
    'at least one CronJob is checked',
  );
});

test('k8s - workload, Service, PodDisruptionBudget and NetworkPolicy selectors and ports line up', () => {
  assert.deepEqual(selectorProblems(sources().resources), []);
});

test('k8s - pods refer only to ConfigMaps, Secrets, ServiceAccounts and volumes that exist', () => {
  const src = sources();
  assert.deepEqual(referenceProblems(src.resources, src.templates), []);
});

test('k8s - every kustomization lists only local files that exist, and every manifest is listed', () => {
  assert.deepEqual(kustomizationProblems(sources()), []);
});

test('k8s - no Secret carries a value other than a placeholder, and secrets stay out of ConfigMaps and literals', () => {
  const src = sources();
  assert.deepEqual(secretProblems(src.resources, src.templates), []);
  assert.ok(src.templates.some((t) => t.kind === 'Secret' && t.name === 'identity-secrets'));
  assert.ok(src.templates.some((t) => t.kind === 'Secret' && t.name === 'wallet-secrets'));
  assert.ok(src.templates.some((t) => t.kind === 'Secret' && t.name === 'transit-secrets'));
  assert.ok(src.templates.some((t) => t.kind === 'Secret' && t.name === 'health-billing-secrets'));
});

test('k8s - the dev NATS admits only the citypass users, and each service logs in as its own user from its Secret', () => {
  const src = sources();
  const find = (kind: string, name: string): object => {
    const found = src.resources.find((r) => r.kind === kind && r.name === name);
    assert.ok(found, `${kind}/${name}`);
    return found.obj;
  };
  const keysOf = (name: string): string[] =>
    Object.keys(
      (src.templates.find((t) => t.kind === 'Secret' && t.name === name)?.obj as ISecret | undefined)?.stringData ?? {},
    );
  // nats.conf names the users; each password is an environment variable (test/nats_permissions.test.ts runs it).
  const conf = (find('ConfigMap', 'nats-config') as IConfigMap).data?.['nats.conf'] ?? '';
  const users = [...conf.matchAll(/\buser:\s*(\w+)\s+password:\s*\$(\w+)/g)].map(([, user, variable]) => [
    user,
    variable,
  ]);
  assert.deepEqual(users, [
    ['identity', 'NATS_IDENTITY_PASSWORD'],
    ['wallet', 'NATS_WALLET_PASSWORD'],
    ['transit', 'NATS_TRANSIT_PASSWORD'],
    ['health_billing', 'NATS_HEALTH_BILLING_PASSWORD'],
    ['console', 'NATS_CONSOLE_PASSWORD'],
    ['gate', 'NATS_GATE_PASSWORD'],
  ]);
  assert.doesNotMatch(
    conf,
    /no_auth_user|default_permissions/,
    'no anonymous login, no permissions for anyone unlisted',
  );
  const variables = users.map(([, variable]) => variable);

  // The server reads that file and gets each password from the nats-users Secret (a template: the store creates it).
  const pod = (find('StatefulSet', 'nats') as IStatefulSet).spec?.template.spec;
  const c = pod?.containers.find((container) => container.name === 'nats');
  assert.ok(c);
  const mount = c.volumeMounts?.find((m) => m.name === 'config');
  assert.deepEqual(pod?.volumes?.find((v) => v.name === 'config')?.configMap, { name: 'nats-config' });
  assert.equal(mount?.readOnly, true);
  assert.ok(c.args?.includes(`--config=${mount.mountPath}/nats.conf`), 'nats-server reads nats.conf');
  const fromSecret = (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef?.name === 'nats-users');
  assert.deepEqual(
    fromSecret.map((e) => [e.name, e.valueFrom?.secretKeyRef?.key]),
    variables.map((variable) => [variable, variable]),
  );
  assert.deepEqual(keysOf('nats-users'), variables);

  // Each service's NATS_URL (nats://<user>:<password>@nats:4222) comes from its own Secret only.
  for (const service of ['identity', 'wallet', 'transit', 'health-billing', 'console']) {
    const container = (find('Deployment', service) as IDeployment).spec?.template.spec?.containers[0];
    assert.ok(container);
    assert.ok(keysOf(`${service}-secrets`).includes('NATS_URL'), `${service}-secrets has NATS_URL`);
    assert.deepEqual(
      (container.envFrom ?? []).flatMap((from) => (from.secretRef ? [from.secretRef.name] : [])),
      [`${service}-secrets`],
    );
    const configMaps = (container.envFrom ?? []).flatMap((from) => (from.configMapRef ? [from.configMapRef.name] : []));
    for (const name of configMaps)
      assert.equal((find('ConfigMap', name ?? '') as IConfigMap).data?.NATS_URL, undefined, `${name} has no NATS_URL`);
    assert.equal(
      container.env?.find((e) => e.name === 'NATS_URL'),
      undefined,
      `${service} sets no NATS_URL literal`,
    );
  }
});

// Each citypass service's Deployment and its neighbours (ConfigMap, Secret template, Service, PodDisruptionBudget,
// ServiceAccount, NetworkPolicy): one row per service, the same checks for each, plus what only that service has.
interface ServiceManifestSpec {
  readonly service: 'identity' | 'wallet' | 'transit' | 'health-billing';
  readonly containerPorts: readonly (readonly [string, number])[];
  readonly grpcPort: number;
  /** The gRPC health service the readiness probe asks about; default the server as a whole (''). */
  readonly readinessService?: string;
  /** The container's literal env (everything else comes from the ConfigMap and the Secret). */
  readonly env: Readonly<Record<string, string>>;
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
  readonly servicePorts: readonly (readonly [string, number, string])[];
  readonly ingressPorts: readonly string[];
  readonly egressPorts: readonly string[];
  /** The port that serves operators only (the admin port; identity's gRPC): let in from the console pods only. */
  readonly consolePort: number;
  /** Checks only this service has (agreement with the others' manifests). */
  readonly also?: (src: Sources, config: Readonly<Record<string, string>>, ports: typeof rulePorts) => void;
}

const rulePorts = (rules: readonly { ports?: { port?: IntOrString; protocol?: string }[] }[] | undefined): string[] =>
  (rules ?? []).flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${String(p.port)}`)).sort();

const otherResource = (src: Sources, kind: string, name: string): object | undefined =>
  src.resources.find((r) => r.kind === kind && r.name === name)?.obj;

/** The dev overlay's patch of a ConfigMap. */
const devPatchOf = (src: Sources, name: string): Record<string, string> | undefined =>
  (
    src.patches.find((p) => p.where.startsWith('overlays/dev/') && p.kind === 'ConfigMap' && p.name === name)?.obj as
      | IConfigMap
      | undefined
  )?.data;

/**
 * `port` (operators' calls) is let in by one rule, from the console pods only, that lets in nothing else; no other
 * rule names it, and no rule leaves its ports open (which would let every port in).
 */
function assertOnlyConsoleAdmitted(policy: INetworkPolicy['spec'], port: number): void {
  const ingress = policy?.ingress ?? [];
  assert.ok(
    ingress.every((rule) => (rule.ports ?? []).length > 0),
    'every ingress rule is limited to ports',
  );
  const naming = ingress.filter((rule) => (rule.ports ?? []).some((p) => p.port === port));
  assert.deepEqual(
    naming.map((rule) => ({ from: rule.from, ports: rule.ports })),
    [
      {
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'console' } } }],
        ports: [{ port, protocol: 'TCP' }],
      },
    ],
    `port ${port} is let in from the console pods only`,
  );
}

/** Egress to identity's HTTP port (JWKS, tokens) goes to the identity pods only. */
function assertEgressToIdentityOnly(policy: INetworkPolicy['spec']): void {
  const toIdentity = (policy?.egress ?? []).find((rule) => rule.ports?.some((p) => p.port === 7100));
  assert.deepEqual(toIdentity?.to, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'identity' } } }]);
}

const SERVICE_MANIFESTS: readonly ServiceManifestSpec[] = [
  {
    service: 'identity',
    containerPorts: [
      ['http', 7100],
      ['grpc', 7101],
      ['metrics', 9464],
    ],
    grpcPort: 7101,
    env: { IDENTITY_HTTP_PORT: '7100', IDENTITY_GRPC_PORT: '7101', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' },
    config: {
      IDENTITY_ISSUER: 'https://id.city.example',
      IDENTITY_HTTP_HOST: '0.0.0.0',
      IDENTITY_GRPC_HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      IDENTITY_TRUST_PROXY: 'true',
      IDENTITY_CONSOLE_REDIRECT_URIS: 'https://console.city.example/callback',
    },
    secretKeys: [
      'IDENTITY_CONSOLE_CLIENT_SECRET',
      'IDENTITY_COOKIE_KEYS',
      'IDENTITY_DATABASE_URL',
      'IDENTITY_KEY_ENCRYPTION_KEY',
      'IDENTITY_OPERATOR_CLIENT_SECRET',
      'NATS_URL',
    ],
    servicePorts: [
      ['http', 7100, 'http'],
      ['grpc', 7101, 'grpc'],
      ['metrics', 9464, 'metrics'],
    ],
    ingressPorts: ['TCP/7100', 'TCP/7101', 'TCP/9464'],
    egressPorts: ['TCP/4222', 'TCP/53', 'TCP/5432', 'UDP/53'],
    // Every IdentityService method needs identity:admin: only the console (and operators' own ingress) calls it.
    consolePort: 7101,
  },
  {
    service: 'wallet',
    containerPorts: [
      ['grpc', 7200],
      ['admin', 7201],
      ['metrics', 9464],
    ],
    grpcPort: 7200,
    // Not ready while it cannot follow credential status (mandates are refused then); still alive.
    readinessService: 'citypass.wallet.v1.WalletService',
    env: { WALLET_GRPC_PORT: '7200', WALLET_ADMIN_GRPC_PORT: '7201', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' },
    config: {
      WALLET_GRPC_HOST: '0.0.0.0',
      WALLET_STREAM: 'WALLET_EVENTS',
      IDENTITY_STREAM: 'IDENTITY_EVENTS',
      IDENTITY_STATUS_BUCKET: 'citypass_credential_status',
      IDENTITY_ISSUER: 'https://id.city.example',
      IDENTITY_JWKS_URL: 'http://identity:7100/jwks',
      WALLET_CURRENCIES: 'EUR',
      WALLET_MAX_QUEUED_WRITES: '2048',
      WALLET_RISK_ORIGIN: '44.33,8.85',
      WALLET_RISK_PLACES: '',
      WALLET_RISK_TAP_REPLAY_S: '7200',
      TRANSIT_STREAM: 'TRANSIT_EVENTS',
      WALLET_RISK_SHARE: 'on',
      WALLET_RISK_RULES_POLL_MS: '2000',
      WALLET_RISK_PROMOTE_MIN_DECISIONS: '1000',
      LOG_LEVEL: 'info',
    },
    secretKeys: ['NATS_URL', 'WALLET_DATABASE_URL'],
    servicePorts: [
      ['grpc', 7200, 'grpc'],
      ['admin', 7201, 'admin'],
      ['metrics', 9464, 'metrics'],
    ],
    ingressPorts: ['TCP/7200', 'TCP/7201', 'TCP/9464'],
    egressPorts: ['TCP/4222', 'TCP/53', 'TCP/5432', 'TCP/7100', 'UDP/53'],
    consolePort: 7201,
    also: (src, config, ports) => {
      // Tokens are checked against identity's issuer; the keys come from the identity Service's HTTP port.
      const identityConfig = src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'identity-config');
      assert.equal(config.IDENTITY_ISSUER, (identityConfig?.obj as IConfigMap | undefined)?.data?.IDENTITY_ISSUER);
      const identityService = otherResource(src, 'Service', 'identity') as IService | undefined;
      const jwks = new URL(config.IDENTITY_JWKS_URL ?? '');
      assert.equal(jwks.hostname, 'identity');
      assert.ok(
        identityService?.spec?.ports?.some((p) => p.port === Number(jwks.port) && p.name === 'http'),
        'JWKS URL names the identity http port',
      );
      // The dev overlay moves identity's issuer for port-forwarding; the wallet must follow it.
      assert.deepEqual(devPatchOf(src, 'wallet-config'), {
        IDENTITY_ISSUER: devPatchOf(src, 'identity-config')?.IDENTITY_ISSUER,
        IDENTITY_JWKS_URL: 'http://identity:7100/jwks',
      });
      assertEgressToIdentityOnly((otherResource(src, 'NetworkPolicy', 'wallet') as INetworkPolicy | undefined)?.spec);
      // identity's ingress is unchanged and lets the wallet's JWKS requests in.
      const identityPolicy = otherResource(src, 'NetworkPolicy', 'identity') as INetworkPolicy | undefined;
      assert.deepEqual(ports(identityPolicy?.spec?.ingress), ['TCP/7100', 'TCP/7101', 'TCP/9464']);
    },
  },
  {
    service: 'transit',
    // Not ready while it decides on a list it no longer follows; still alive.
    readinessService: 'citypass.transit.v1.TransitService',
    containerPorts: [
      ['grpc', 7300],
      ['admin', 7301],
      ['metrics', 9464],
    ],
    grpcPort: 7300,
    env: { TRANSIT_GRPC_PORT: '7300', TRANSIT_ADMIN_GRPC_PORT: '7301', METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' },
    config: {
      TRANSIT_GRPC_HOST: '0.0.0.0',
      TRANSIT_STREAM: 'TRANSIT_EVENTS',
      TRANSIT_STREAM_MAX_AGE_S: '7776000',
      WALLET_STREAM: 'WALLET_EVENTS',
      TRANSIT_DENY_BUCKET: 'citypass_transit_deny',
      IDENTITY_STREAM: 'IDENTITY_EVENTS',
      IDENTITY_STATUS_BUCKET: 'citypass_credential_status',
      IDENTITY_ISSUER: 'https://id.city.example',
      IDENTITY_JWKS_URL: 'http://identity:7100/jwks',
      IDENTITY_TOKEN_URL: 'http://identity:7100/token',
      TRANSIT_CLIENT_ID: 'transit',
      TRANSIT_GTFS_DIR: '/app/services/transit/data/aurelia',
      TRANSIT_SETTLE_INTERVAL_MS: '250',
      TRANSIT_SETTLE_CONCURRENCY: '8',
      TRANSIT_OUTBOX_POLL_MS: '100',
      TRANSIT_ROLE: 'all',
      TRANSIT_NICE: '0',
      LOG_LEVEL: 'info',
    },
    secretKeys: ['NATS_URL', 'TRANSIT_CLIENT_SECRET', 'TRANSIT_DATABASE_URL'],
    servicePorts: [
      ['grpc', 7300, 'grpc'],
      ['admin', 7301, 'admin'],
      ['metrics', 9464, 'metrics'],
    ],
    ingressPorts: ['TCP/7300', 'TCP/7301', 'TCP/9464'],
    egressPorts: ['TCP/4222', 'TCP/53', 'TCP/5432', 'TCP/7100', 'UDP/53'],
    consolePort: 7301,
    also: (src, config) => {
      // The same image layout, security context and resources as the wallet's Deployment.
      const pod = (otherResource(src, 'Deployment', 'transit') as IDeployment | undefined)?.spec?.template.spec;
      const wallet = (otherResource(src, 'Deployment', 'wallet') as IDeployment | undefined)?.spec?.template.spec;
      assert.deepEqual(pod?.containers[0]?.securityContext, wallet?.containers[0]?.securityContext);
      assert.deepEqual(pod?.securityContext, wallet?.securityContext);
      assert.deepEqual(pod?.containers[0]?.resources, wallet?.containers[0]?.resources);
      // Names shared with identity and the wallet agree with theirs.
      const identityConfig = (otherResource(src, 'ConfigMap', 'identity-config') as IConfigMap | undefined)?.data;
      const walletConfig = (otherResource(src, 'ConfigMap', 'wallet-config') as IConfigMap | undefined)?.data;
      assert.equal(config.IDENTITY_ISSUER, identityConfig?.IDENTITY_ISSUER);
      assert.equal(config.WALLET_STREAM, walletConfig?.WALLET_STREAM);
      assert.equal(config.IDENTITY_STATUS_BUCKET, walletConfig?.IDENTITY_STATUS_BUCKET);
      assert.equal(config.IDENTITY_JWKS_URL, walletConfig?.IDENTITY_JWKS_URL);
      const identityService = otherResource(src, 'Service', 'identity') as IService | undefined;
      for (const url of [new URL(config.IDENTITY_JWKS_URL ?? ''), new URL(config.IDENTITY_TOKEN_URL ?? '')]) {
        assert.equal(url.hostname, 'identity');
        assert.ok(
          identityService?.spec?.ports?.some((p) => p.port === Number(url.port) && p.name === 'http'),
          `${url.href} names the identity http port`,
        );
      }
      // The dev overlay moves identity's issuer for port-forwarding; transit must follow it.
      assert.deepEqual(devPatchOf(src, 'transit-config'), {
        IDENTITY_ISSUER: devPatchOf(src, 'identity-config')?.IDENTITY_ISSUER,
        IDENTITY_JWKS_URL: 'http://identity:7100/jwks',
        IDENTITY_TOKEN_URL: 'http://identity:7100/token',
      });
      // The dev PostgreSQL creates transit's database.
      const init = (otherResource(src, 'ConfigMap', 'postgres-init') as IConfigMap | undefined)?.data ?? {};
      assert.ok(
        Object.values(init).some((sql) => sql.includes('CREATE DATABASE citypass_transit;')),
        'postgres-init creates citypass_transit',
      );
      // gRPC is let in the way the wallet's is: from any source (gates may come through an ingress or load balancer).
      const policy = (otherResource(src, 'NetworkPolicy', 'transit') as INetworkPolicy | undefined)?.spec;
      const walletPolicy = (otherResource(src, 'NetworkPolicy', 'wallet') as INetworkPolicy | undefined)?.spec;
      assert.deepEqual(
        policy?.ingress?.map((rule) => rule.from),
        walletPolicy?.ingress?.map((rule) => rule.from),
      );
      assertEgressToIdentityOnly(policy);
    },
  },
  {
    service: 'health-billing',
    // Not ready while it cannot follow credential status (presentations are refused then); still alive.
    readinessService: 'citypass.health_billing.v1.HealthBillingService',
    containerPorts: [
      ['grpc', 7400],
      ['admin', 7401],
      ['metrics', 9464],
    ],
    grpcPort: 7400,
    env: {
      HEALTH_BILLING_GRPC_PORT: '7400',
      HEALTH_BILLING_ADMIN_GRPC_PORT: '7401',
      METRICS_PORT: '9464',
      METRICS_HOST: '0.0.0.0',
    },
    config: {
      HEALTH_BILLING_GRPC_HOST: '0.0.0.0',
      HEALTH_BILLING_STREAM: 'HEALTH_BILLING_EVENTS',
      IDENTITY_STREAM: 'IDENTITY_EVENTS',
      IDENTITY_STATUS_BUCKET: 'citypass_credential_status',
      IDENTITY_ISSUER: 'https://id.city.example',
      IDENTITY_JWKS_URL: 'http://identity:7100/jwks',
      IDENTITY_TOKEN_URL: 'http://identity:7100/token',
      HEALTH_BILLING_CLIENT_ID: 'health-billing',
      HEALTH_BILLING_CURRENCIES: 'EUR',
      HEALTH_BILLING_PAY_WITHIN_S: '900',
      HEALTH_BILLING_SWEEP_MS: '1000',
      HEALTH_BILLING_PAYMENT_STALLED_MS: '30000',
      HEALTH_BILLING_OUTBOX_POLL_MS: '100',
      HEALTH_BILLING_PEER_WINDOW_DAYS: '30',
      HEALTH_BILLING_PEER_MINIMUM_PEERS: '5',
      HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES: '20',
      HEALTH_BILLING_PEER_SPREAD_MULTIPLE: '5',
      HEALTH_BILLING_PEER_MINIMUM_RATIO: '3',
      HEALTH_BILLING_FHIR_BASE_URL: 'https://health-billing.city.example/fhir',
      LOG_LEVEL: 'info',
    },
    secretKeys: ['HEALTH_BILLING_CLIENT_SECRET', 'HEALTH_BILLING_DATABASE_URL', 'HEALTH_BILLING_DATA_KEYS', 'NATS_URL'],
    servicePorts: [
      ['grpc', 7400, 'grpc'],
      ['admin', 7401, 'admin'],
      ['metrics', 9464, 'metrics'],
    ],
    ingressPorts: ['TCP/7400', 'TCP/7401', 'TCP/9464'],
    egressPorts: ['TCP/4222', 'TCP/53', 'TCP/5432', 'TCP/7100', 'UDP/53'],
    consolePort: 7401,
    also: (src, config) => {
      // The same image layout, security context and resources as the wallet's Deployment.
      const pod = (otherResource(src, 'Deployment', 'health-billing') as IDeployment | undefined)?.spec?.template.spec;
      const wallet = (otherResource(src, 'Deployment', 'wallet') as IDeployment | undefined)?.spec?.template.spec;
      assert.deepEqual(pod?.containers[0]?.securityContext, wallet?.containers[0]?.securityContext);
      assert.deepEqual(pod?.securityContext, wallet?.securityContext);
      assert.deepEqual(pod?.containers[0]?.resources, wallet?.containers[0]?.resources);
      // Names shared with identity and the wallet agree with theirs.
      const identityConfig = (otherResource(src, 'ConfigMap', 'identity-config') as IConfigMap | undefined)?.data;
      const walletConfig = (otherResource(src, 'ConfigMap', 'wallet-config') as IConfigMap | undefined)?.data;
      assert.equal(config.IDENTITY_ISSUER, identityConfig?.IDENTITY_ISSUER);
      assert.equal(config.IDENTITY_STREAM, walletConfig?.IDENTITY_STREAM);
      assert.equal(config.IDENTITY_STATUS_BUCKET, walletConfig?.IDENTITY_STATUS_BUCKET);
      assert.equal(config.IDENTITY_JWKS_URL, walletConfig?.IDENTITY_JWKS_URL);
      // Bills are paid in currencies the wallet runs.
      const walletCurrencies = (walletConfig?.WALLET_CURRENCIES ?? '').split(',');
      for (const currency of (config.HEALTH_BILLING_CURRENCIES ?? '').split(','))
        assert.ok(walletCurrencies.includes(currency), `the wallet runs ${currency}`);
      const identityService = otherResource(src, 'Service', 'identity') as IService | undefined;
      for (const url of [new URL(config.IDENTITY_JWKS_URL ?? ''), new URL(config.IDENTITY_TOKEN_URL ?? '')]) {
        assert.equal(url.hostname, 'identity');
        assert.ok(
          identityService?.spec?.ports?.some((p) => p.port === Number(url.port) && p.name === 'http'),
          `${url.href} names the identity http port`,
        );
      }
      // The dev overlay moves identity's issuer for port-forwarding; health-billing must follow it.
      assert.deepEqual(devPatchOf(src, 'health-billing-config'), {
        IDENTITY_ISSUER: devPatchOf(src, 'identity-config')?.IDENTITY_ISSUER,
        IDENTITY_JWKS_URL: 'http://identity:7100/jwks',
        IDENTITY_TOKEN_URL: 'http://identity:7100/token',
      });
      // The dev PostgreSQL creates health-billing's database.
      const init = (otherResource(src, 'ConfigMap', 'postgres-init') as IConfigMap | undefined)?.data ?? {};
      assert.ok(
        Object.values(init).some((sql) => sql.includes('CREATE DATABASE citypass_health_billing;')),
        'postgres-init creates citypass_health_billing',
      );
      // gRPC is let in the way the wallet's is: from any source (clinics and operators come through an ingress).
      const policy = (otherResource(src, 'NetworkPolicy', 'health-billing') as INetworkPolicy | undefined)?.spec;
      const walletPolicy = (otherResource(src, 'NetworkPolicy', 'wallet') as INetworkPolicy | undefined)?.spec;
      assert.deepEqual(
        policy?.ingress?.map((rule) => rule.from),
        walletPolicy?.ingress?.map((rule) => rule.from),
      );
      assertEgressToIdentityOnly(policy);
    },
  },
];

for (const spec of SERVICE_MANIFESTS) {
  const { service } = spec;
  test(`k8s - ${service} runs as specified`, () => {
    const src = sources();
    const find = (kind: string, name: string): Resource => {
      const found = src.resources.find(
        (r) => r.kind === kind && r.name === name && r.where.startsWith(`base/${service}/`),
      );
      assert.ok(found, `${kind}/${name} in base/${service}`);
      return found;
    };
    const base = src.kustomizations.find((k) => rel(k.file) === 'base/kustomization.yaml');
    assert.equal(base?.body.namespace, 'citypass');
    assert.ok((base.body.resources as unknown[] | undefined)?.includes(service), `base lists ${service}`);

    const deployment = (find('Deployment', service).obj as IDeployment).spec;
    assert.ok(deployment);
    const pod = deployment.template.spec;
    assert.ok(pod);
    assert.equal(deployment.replicas, 2);
    assert.equal(pod.serviceAccountName, service);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext?.runAsUser, 10001);
    const spreads = pod.topologySpreadConstraints ?? [];
    assert.ok(spreads.length > 0, 'topologySpreadConstraints');
    for (const spread of spreads) assert.ok(selects(spread.labelSelector, deployment.template.metadata?.labels ?? {}));
    assert.deepEqual(deployment.template.metadata?.annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    });
    assert.deepEqual(pod.volumes, [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    assert.equal(pod.containers.length, 1);
    const [c] = pod.containers;
    assert.ok(c);
    assert.equal(c.image, `citypass/${service}:latest`);
    assert.equal(c.workingDir, '/app');
    assert.deepEqual(c.command, ['node', ...serviceArgs(service)]);
    assert.deepEqual(
      c.ports?.map((p) => [p.name, p.containerPort]),
      spec.containerPorts,
    );
    assert.deepEqual(c.envFrom, [
      { configMapRef: { name: `${service}-config` } },
      { secretRef: { name: `${service}-secrets` } },
    ]);
    assert.deepEqual(Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value])), {
      ...spec.env,
      ...serviceEnvironment,
    });
    assert.deepEqual(c.resources, {
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    });
    for (const probe of [c.startupProbe, c.livenessProbe]) assert.deepEqual(probe?.grpc, { port: spec.grpcPort });
    const readiness =
      spec.readinessService === undefined
        ? { port: spec.grpcPort }
        : { port: spec.grpcPort, service: spec.readinessService };
    assert.deepEqual(c.readinessProbe?.grpc, readiness);
    assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }]);

    const config = (find('ConfigMap', `${service}-config`).obj as IConfigMap).data ?? {};
    assert.deepEqual(config, spec.config);
    const secret = src.templates.find((t) => t.kind === 'Secret' && t.name === `${service}-secrets`);
    assert.deepEqual(Object.keys((secret?.obj as ISecret | undefined)?.stringData ?? {}).sort(), spec.secretKeys);

    const serviceSpec = (find('Service', service).obj as IService).spec;
    assert.ok(serviceSpec);
    assert.equal(serviceSpec.type, 'ClusterIP');
    assert.deepEqual(
      serviceSpec.ports?.map((p) => [p.name, p.port, p.targetPort]),
      spec.servicePorts,
    );
    assert.equal((find('PodDisruptionBudget', service).obj as IPodDisruptionBudget).spec?.maxUnavailable, 1);
    find('ServiceAccount', service);
    const policy = (find('NetworkPolicy', service).obj as INetworkPolicy).spec;
    assert.ok(policy);
    assert.deepEqual(policy.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(rulePorts(policy.ingress), spec.ingressPorts);
    assert.deepEqual(rulePorts(policy.egress), spec.egressPorts);
    assertOnlyConsoleAdmitted(policy, spec.consolePort);
    assert.ok(
      (policy.egress ?? []).every((rule) => (rule.ports ?? []).length > 0),
      'every egress rule is limited to ports',
    );
    spec.also?.(src, config, rulePorts);
  });
}

test('k8s - wallet reconciliation runs daily as a CronJob whose failures stay visible', () => {
  const src = sources();
  const cron = src.resources.find(
    (r) => r.kind === 'CronJob' && r.name === 'wallet-reconcile' && r.where.startsWith('base/wallet/'),
  );
  assert.ok(cron, 'CronJob/wallet-reconcile in base/wallet');
  const spec = (cron.obj as ICronJob).spec;
  assert.ok(spec);
  assert.equal(spec.schedule, '30 3 * * *');
  assert.equal(spec.timeZone, 'Etc/UTC');
  assert.equal(spec.concurrencyPolicy, 'Forbid');
  assert.equal(spec.suspend, undefined);
  assert.ok((spec.failedJobsHistoryLimit ?? 1) > 0, 'failed Jobs are kept');
  const job = spec.jobTemplate.spec;
  assert.ok(job);
  assert.equal(job.backoffLimit, 0, 'a non-zero exit fails the Job at once');
  assert.equal(job.ttlSecondsAfterFinished, undefined, 'failed Jobs are not garbage-collected before anyone looks');
  assert.ok((job.activeDeadlineSeconds ?? 0) > 0, 'a hung run fails instead of blocking the next');
  const pod = job.template.spec;
  assert.ok(pod);
  assert.equal(pod.restartPolicy, 'Never');
  assert.equal(pod.serviceAccountName, 'wallet');
  assert.equal(pod.automountServiceAccountToken, false);
  // Not selected by the wallet Service, PodDisruptionBudget or NetworkPolicy.
  assert.deepEqual(job.template.metadata?.labels, {
    'app.kubernetes.io/name': 'wallet-reconcile',
    'app.kubernetes.io/component': 'reconcile',
  });

  const deployment = src.resources.find((r) => r.kind === 'Deployment' && r.name === 'wallet')?.obj as
    | IDeployment
    | undefined;
  const [service] = deployment?.spec?.template.spec?.containers ?? [];
  assert.ok(service);
  assert.equal(pod.containers.length, 1);
  const [c] = pod.containers;
  assert.ok(c);
  assert.equal(c.image, service.image);
  assert.equal(c.workingDir, service.workingDir);
  assert.deepEqual(c.command, ['node', './services/wallet/src/reconcile.ts']);
  assert.deepEqual(c.envFrom, service.envFrom);
  assert.deepEqual(c.securityContext, service.securityContext);
  assert.deepEqual(pod.securityContext, deployment?.spec?.template.spec?.securityContext);
  assert.deepEqual(c.resources, {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '256Mi' },
  });
  assert.equal(c.ports, undefined);
  assert.deepEqual([c.startupProbe, c.readinessProbe, c.livenessProbe], [undefined, undefined, undefined]);

  const policy = src.resources.find((r) => r.kind === 'NetworkPolicy' && r.name === 'wallet-reconcile')?.obj as
    | INetworkPolicy
    | undefined;
  assert.ok(policy?.spec);
  assert.ok(selects(policy.spec.podSelector, job.template.metadata.labels));
  assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(policy.spec.ingress, undefined, 'nothing comes in');
  const egress = (policy.spec.egress ?? [])
    .flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${String(p.port)}`))
    .sort();
  assert.deepEqual(egress, ['TCP/53', 'TCP/5432', 'UDP/53']);
});

test('k8s - transit gets exactly the variables transitSchema reads, with values it accepts', () => {
  const src = sources();
  const deployment = src.resources.find((r) => r.kind === 'Deployment' && r.name === 'transit')?.obj as
    | IDeployment
    | undefined;
  const c = deployment?.spec?.template.spec?.containers[0];
  assert.ok(c);
  const names = envNames(c, src.resources, src.templates);
  assert.deepEqual(envDrift(names, transitSchema, READ_ELSEWHERE), []);
  assert.deepEqual(
    names.filter((n) => TELEMETRY_ENV.includes(n)),
    ['METRICS_PORT', 'METRICS_HOST'],
  );
  // The check notices a setting that is missing, misspelt or set twice.
  const drifted = [
    ...names.filter((n) => n !== 'TRANSIT_SETTLE_CONCURRENCY'),
    'TRANSIT_SETTLE_CONCURENCY',
    'TRANSIT_GRPC_PORT',
  ];
  assert.deepEqual(envDrift(drifted, transitSchema, READ_ELSEWHERE), [
    'TRANSIT_SETTLE_CONCURRENCY is read by config.ts but not set',
    'TRANSIT_SETTLE_CONCURENCY is set but config.ts does not read it',
    'TRANSIT_GRPC_PORT is set twice',
  ]);

  // Secret settings come from transit-secrets.
  const secretKeys = Object.keys(
    (src.templates.find((t) => t.name === 'transit-secrets')?.obj as ISecret | undefined)?.stringData ?? {},
  );
  for (const [name, field] of Object.entries(transitSchema)) {
    if (field.secret) assert.ok(secretKeys.includes(name), `${name} is in transit-secrets`);
  }

  // transit's own parser accepts the values, in the base and in the dev overlay (secrets stand in for the store's).
  const config =
    (src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'transit-config')?.obj as IConfigMap | undefined)
      ?.data ?? {};
  const devPatch =
    (
      src.patches.find((p) => p.where.startsWith('overlays/dev/') && p.name === 'transit-config')?.obj as
        | IConfigMap
        | undefined
    )?.data ?? {};
  const literals = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
  const secrets = {
    TRANSIT_DATABASE_URL: 'postgres://citypass:pw@postgres:5432/citypass_transit',
    TRANSIT_CLIENT_SECRET: 'x'.repeat(43),
    NATS_URL: 'nats://transit:password@nats:4222',
  };
  const parsed = loadTransitConfig({ ...config, ...literals, ...secrets });
  assert.equal(parsed.TRANSIT_GRPC_PORT, c.ports?.find((p) => p.name === 'grpc')?.containerPort);
  assert.equal(
    loadTransitConfig({ ...config, ...devPatch, ...literals, ...secrets }).IDENTITY_ISSUER,
    'http://127.0.0.1:7100',
  );

  // TRANSIT_GTFS_DIR is where the image holds config.ts's default feed (the repository is at workingDir).
  const sampleFeed = relative(REPO_DIR, transitSchema.TRANSIT_GTFS_DIR.default ?? '');
  assert.ok(existsSync(join(REPO_DIR, sampleFeed, 'agency.txt')), `${sampleFeed} holds a GTFS feed`);
  assert.equal(parsed.TRANSIT_GTFS_DIR, posix.join(c.workingDir ?? '', ...sampleFeed.split(sep)));
});

test('k8s - health-billing gets exactly the variables healthBillingSchema reads, with values it accepts', () => {
  const src = sources();
  const deployment = src.resources.find((r) => r.kind === 'Deployment' && r.name === 'health-billing')?.obj as
    | IDeployment
    | undefined;
  const c = deployment?.spec?.template.spec?.containers[0];
  assert.ok(c);
  const names = envNames(c, src.resources, src.templates);
  assert.deepEqual(envDrift(names, healthBillingSchema, READ_ELSEWHERE), []);
  assert.deepEqual(
    names.filter((n) => TELEMETRY_ENV.includes(n)),
    ['METRICS_PORT', 'METRICS_HOST'],
  );

  // Secret settings come from health-billing-secrets.
  const secretKeys = Object.keys(
    (src.templates.find((t) => t.name === 'health-billing-secrets')?.obj as ISecret | undefined)?.stringData ?? {},
  );
  for (const [name, field] of Object.entries(healthBillingSchema)) {
    if (field.secret) assert.ok(secretKeys.includes(name), `${name} is in health-billing-secrets`);
  }

  // health-billing's own parser accepts the values, in the base and in the dev overlay (secrets stand in for the
  // store's).
  const config =
    (
      src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'health-billing-config')?.obj as
        | IConfigMap
        | undefined
    )?.data ?? {};
  const devPatch =
    (
      src.patches.find((p) => p.where.startsWith('overlays/dev/') && p.name === 'health-billing-config')?.obj as
        | IConfigMap
        | undefined
    )?.data ?? {};
  const literals = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
  const secrets = {
    HEALTH_BILLING_DATABASE_URL: 'postgres://citypass:pw@postgres:5432/citypass_health_billing',
    HEALTH_BILLING_CLIENT_SECRET: 'x'.repeat(43),
    HEALTH_BILLING_DATA_KEYS: `k1:${'A'.repeat(43)}`,
    NATS_URL: 'nats://health_billing:password@nats:4222',
  };
  const parsed = loadHealthBillingConfig({ ...config, ...literals, ...secrets });
  assert.equal(parsed.HEALTH_BILLING_GRPC_PORT, c.ports?.find((p) => p.name === 'grpc')?.containerPort);
  assert.equal(
    loadHealthBillingConfig({ ...config, ...devPatch, ...literals, ...secrets }).IDENTITY_ISSUER,
    'http://127.0.0.1:7100',
  );
});

test('k8s - the container policy applies to CronJobs, which need no probes', () => {
  const src = sources();
  const original = src.resources.find((r) => r.kind === 'CronJob' && r.name === 'wallet-reconcile');
  assert.ok(original);
  const mutate = (change: (j: ICronJob) => void): Resource => {
    const obj = structuredClone(original.obj) as ICronJob;
    change(obj);
    return { ...original, where: 'mutated', obj };
  };
  const podOf = (j: ICronJob): NonNullable<IPodTemplateSpec['spec']> => {
    const pod = j.spec.jobTemplate.spec?.template.spec;
    assert.ok(pod);
    return pod;
  };
  const container = (j: ICronJob): IContainer => {
    const c = podOf(j).containers[0];
    assert.ok(c);
    return c;
  };
  const at = 'mutated CronJob/wallet-reconcile';
  assert.deepEqual(probeProblems([original]), []);
  const writable = mutate((j) => {
    container(j).securityContext = { ...container(j).securityContext, readOnlyRootFilesystem: false };
  });
  assert.deepEqual(containerProblems([writable]), [`${at}: container reconcile: readOnlyRootFilesystem must be true`]);
  const root = mutate((j) => {
    podOf(j).securityContext = { ...podOf(j).securityContext, runAsNonRoot: false };
    const { runAsNonRoot: _unset, ...sc } = container(j).securityContext ?? {};
    container(j).securityContext = { ...sc, runAsUser: 0 };
  });
  assert.deepEqual(containerProblems([root]), [
    `${at}: container reconcile: runAsNonRoot must be true`,
    `${at}: container reconcile: runAsUser must be a non-zero uid`,
  ]);
  const capable = mutate((j) => {
    container(j).securityContext = { ...container(j).securityContext, capabilities: { drop: [], add: ['NET_ADMIN'] } };
  });
  assert.deepEqual(containerProblems([capable]), [
    `${at}: container reconcile: capabilities must drop ALL`,
    `${at}: container reconcile: must not add capabilities`,
  ]);
  const unbounded = mutate((j) => {
    delete container(j).resources;
  });
  assert.deepEqual(containerProblems([unbounded]), [
    `${at}: container reconcile: needs a cpu request and limit`,
    `${at}: container reconcile: needs a memory request and limit`,
  ]);
  const token = mutate((j) => {
    delete podOf(j).automountServiceAccountToken;
  });
  assert.deepEqual(containerProblems([token]), [`${at}: automountServiceAccountToken must be false`]);
  const badProbe = mutate((j) => {
    container(j).livenessProbe = { grpc: { port: 7200 } };
  });
  assert.deepEqual(probeProblems([badProbe]), [
    `${at}: container reconcile: livenessProbe port 7200 is not a container port`,
  ]);
  const restarting = mutate((j) => {
    podOf(j).restartPolicy = 'Always';
  });
  assert.deepEqual(jobProblems([restarting]), [`${at}: restartPolicy must be Never or OnFailure`]);
  const overlapping = mutate((j) => {
    j.spec.concurrencyPolicy = 'Allow';
  });
  assert.deepEqual(jobProblems([overlapping]), [`${at}: concurrencyPolicy must be Forbid`]);
  const literalSecret = mutate((j) => {
    container(j).env = [{ name: 'WALLET_DATABASE_URL', value: 'postgres://u:p@db/x' }];
  });
  assert.deepEqual(secretProblems([literalSecret], []), [
    `${at}: container reconcile: WALLET_DATABASE_URL must come from a Secret`,
  ]);
  const missingSecret = referenceProblems([original], []);
  assert.ok(
    missingSecret.includes(`${label(original)}: container reconcile: no Secret wallet-secrets`),
    missingSecret.join('\n'),
  );
});

test('k8s - the policy checks reject insecure or inconsistent manifests', () => {
  const src = sources();
  const original = src.resources.find((r) => r.kind === 'Deployment' && r.name === 'identity');
  assert.ok(original);
  const mutate = (change: (d: IDeployment) => void): Resource => {
    const obj = structuredClone(original.obj) as IDeployment;
    change(obj);
    return { ...original, where: 'mutated', obj };
  };
  const container = (d: IDeployment): IContainer => {
    const c = d.spec?.template.spec?.containers[0];
    assert.ok(c);
    return c;
  };
  const writable = mutate((d) => {
    container(d).securityContext = { ...container(d).securityContext, readOnlyRootFilesystem: false };
  });
  assert.deepEqual(containerProblems([writable]), [
    'mutated Deployment/identity: container identity: readOnlyRootFilesystem must be true',
  ]);
  const root = mutate((d) => {
    container(d).securityContext = { ...container(d).securityContext, runAsUser: 0 };
  });
  assert.deepEqual(containerProblems([root]), [
    'mutated Deployment/identity: container identity: runAsUser must be a non-zero uid',
  ]);
  const unbounded = mutate((d) => {
    container(d).resources = { requests: { cpu: '2', memory: '256Mi' }, limits: { cpu: '1' } };
  });
  assert.deepEqual(containerProblems([unbounded]), [
    'mutated Deployment/identity: container identity: cpu request 2 exceeds limit 1',
    'mutated Deployment/identity: container identity: needs a memory request and limit',
  ]);
  const noLiveness = mutate((d) => {
    delete container(d).livenessProbe;
  });
  assert.deepEqual(probeProblems([noLiveness]), [
    'mutated Deployment/identity: container identity: needs a livenessProbe',
  ]);
  const httpProbe = mutate((d) => {
    container(d).readinessProbe = { httpGet: { path: '/', port: 'http' } };
  });
  assert.deepEqual(probeProblems([httpProbe]), [
    'mutated Deployment/identity: container identity: readinessProbe must be a gRPC probe on port 7101',
  ]);

  const others = src.resources.filter((r) => r !== original);
  const relabelled = mutate((d) => {
    const meta = d.spec?.template.metadata;
    if (meta) meta.labels = { 'app.kubernetes.io/name': 'identity-v2' };
  });
  const relabelledProblems = selectorProblems([relabelled, ...others]);
  assert.ok(
    relabelledProblems.includes('mutated Deployment/identity: selector does not match the template labels'),
    relabelledProblems.join('\n'),
  );
  assert.ok(
    relabelledProblems.some((p) => p.endsWith('Service/identity: selector matches no workload')),
    relabelledProblems.join('\n'),
  );

  const literalSecret = mutate((d) => {
    container(d).env?.push({ name: 'IDENTITY_DATABASE_URL', value: 'postgres://u:p@db/x' });
  });
  assert.deepEqual(secretProblems([literalSecret], []), [
    'mutated Deployment/identity: container identity: IDENTITY_DATABASE_URL must come from a Secret',
  ]);
  const identityConfig = src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'identity-config');
  assert.ok(identityConfig);
  const natsUrlInConfigMap: Resource = {
    ...identityConfig,
    where: 'mutated',
    obj: { ...identityConfig.obj, data: { NATS_URL: 'nats://identity:pw@nats:4222' } },
  };
  assert.deepEqual(secretProblems([natsUrlInConfigMap], []), [
    'mutated ConfigMap/identity-config: NATS_URL is a secret; move it to the Secret',
    'mutated ConfigMap/identity-config: NATS_URL carries credentials in a URL',
  ]);
  const template = src.templates.find((t) => t.name === 'identity-secrets');
  assert.ok(template);
  const leaked: Resource = {
    ...template,
    where: 'leaked',
    obj: { ...template.obj, stringData: { IDENTITY_COOKIE_KEYS: 'a-real-looking-cookie-key-0123456789' } },
  };
  assert.deepEqual(secretProblems([], [leaked]), [
    'leaked Secret/identity-secrets: IDENTITY_COOKIE_KEYS is not the placeholder REPLACE_ME',
  ]);
  const encoded: Resource = {
    ...template,
    where: 'encoded',
    obj: { ...template.obj, stringData: undefined, data: { A: Buffer.from('hunter2').toString('base64') } },
  };
  assert.deepEqual(secretProblems([], [encoded]), [
    'encoded Secret/identity-secrets: A is not the placeholder REPLACE_ME',
  ]);
  assert.deepEqual(secretProblems([template], []), [
    `${template.where} Secret/identity-secrets: would be applied by kustomize; keep Secrets in *${TEMPLATE_SUFFIX} files (values come from the secret store)`,
  ]);
  const missingSecret = referenceProblems([original], []);
  assert.ok(
    missingSecret.includes(`${label(original)}: container identity: no Secret identity-secrets`),
    missingSecret.join('\n'),
  );
});

test('k8s - kustomize builds render manifests that pass the same checks', (t) => {
  const src = sources();
  // A service directory such as base/identity gets its namespace from the kustomization that includes it.
  const namespacedByParent = new Set(
    src.kustomizations
      .filter((k) => typeof k.body.namespace === 'string' && Array.isArray(k.body.resources))
      .flatMap((k) => (k.body.resources as unknown[]).map((entry) => resolve(k.dir, String(entry)))),
  );
  for (const k of src.kustomizations.filter((x) => x.kind === 'Kustomization')) {
    let output: string;
    try {
      output = execFileSync('kubectl', ['kustomize', k.dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      if (isRecord(error) && error.code === 'ENOENT') {
        t.skip('kubectl is not installed: rendered builds not checked');
        return;
      }
      throw error;
    }
    const where = `build ${rel(k.dir)}`;
    const rendered = parseYaml(output, where).map((value, index) => toResource(value, `${where}#${index}`));
    assert.deepEqual(allPolicyProblems(rendered, src.templates), [], where);
    if (namespacedByParent.has(k.dir)) continue;
    const unnamespaced = rendered.filter((r) => r.kind !== 'Namespace' && r.namespace !== 'citypass');
    assert.deepEqual(unnamespaced.map(label), [], `${where}: everything lands in the citypass namespace`);
  }
});

test('k8s - the console: two replicas (sessions in a shared bucket the console user may write), HTTP probes, the variables consoleSchema reads, egress to identity, the wallet and NATS only', () => {
  const src = sources();
  const find = (kind: string, name: string): object => {
    const found = src.resources.find((r) => r.kind === kind && r.name === name && r.where.startsWith('base/console/'));
    assert.ok(found, `${kind}/${name} in base/console`);
    return found.obj;
  };
  const deployment = (find('Deployment', 'console') as IDeployment).spec;
  assert.equal(deployment?.replicas, 2);
  assert.equal((find('PodDisruptionBudget', 'console') as IPodDisruptionBudget).spec?.maxUnavailable, 1);
  const [c] = deployment.template.spec?.containers ?? [];
  assert.ok(c);
  assert.deepEqual(
    c.ports?.map((p) => [p.name, p.containerPort]),
    [
      ['http', 7500],
      ['metrics', 9468],
    ],
  );
  for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe])
    assert.deepEqual(probe?.httpGet, { path: '/healthz', port: 7500 });
  const config = (find('ConfigMap', 'console-config') as IConfigMap).data ?? {};
  const secret = src.templates.find((t) => t.kind === 'Secret' && t.name === 'console-secrets');
  const secretKeys = Object.keys((secret?.obj as ISecret | undefined)?.stringData ?? {});
  assert.deepEqual(secretKeys, ['CONSOLE_CLIENT_SECRET', 'NATS_URL', 'CONSOLE_SESSION_KEYS']);
  const literal = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '']));
  const names = [...Object.keys(config), ...secretKeys, ...Object.keys(literal)];
  assert.deepEqual(envDrift(names, consoleSchema, READ_ELSEWHERE), []);
  const loaded = loadConsoleConfig({
    ...config,
    ...literal,
    CONSOLE_CLIENT_SECRET: 'x'.repeat(32),
    NATS_URL: 'nats://console:p@nats:4222',
    CONSOLE_SESSION_KEYS: 'k1:' + 'A'.repeat(43),
  });
  assert.equal(loaded.CONSOLE_HTTP_PORT, 7500);
  // The bucket the replicas share is the one the console's NATS user may write.
  const natsConf = src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'nats-config')?.obj as
    | IConfigMap
    | undefined;
  assert.ok(
    (natsConf?.data?.['nats.conf'] ?? '').includes(`"$KV.${loaded.CONSOLE_SESSION_BUCKET}.>"`),
    'nats.conf lets the console write its session bucket',
  );
  const identityConfig = (
    src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'identity-config')?.obj as IConfigMap | undefined
  )?.data;
  assert.equal(identityConfig?.IDENTITY_CONSOLE_REDIRECT_URIS, `${config.CONSOLE_PUBLIC_URL ?? ''}/callback`);
  const policy = (find('NetworkPolicy', 'console') as INetworkPolicy).spec;
  assert.deepEqual(rulePorts(policy?.ingress), ['TCP/7500', 'TCP/9468']);
  assert.deepEqual(rulePorts(policy?.egress), [
    'TCP/4222',
    'TCP/443',
    'TCP/53',
    'TCP/7100',
    'TCP/7101',
    'TCP/7201',
    'TCP/7301',
    'UDP/53',
  ]);
  assertEgressToIdentityOnly(policy);
  // Operators' calls go to the services' admin ports (the only ports that serve them), named by the config.
  const toTransit = (policy?.egress ?? []).find((rule) => rule.ports?.some((p) => p.port === 7301));
  assert.deepEqual(toTransit?.to, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'transit' } } }]);
  const toWallet = (policy?.egress ?? []).find((rule) => rule.ports?.some((p) => p.port === 7201));
  assert.deepEqual(toWallet?.to, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'wallet' } } }]);
  const serviceAdminPort = (name: string): string => {
    const service = src.resources.find((r) => r.kind === 'Service' && r.name === name)?.obj as IService | undefined;
    return `${name}:${String(service?.spec?.ports?.find((p) => p.name === 'admin')?.port)}`;
  };
  assert.equal(config.CONSOLE_WALLET_GRPC, serviceAdminPort('wallet'));
  assert.equal(config.CONSOLE_TRANSIT_GRPC, serviceAdminPort('transit'));
});

test('k8s - the console ingress example publishes only the console http port, over TLS, at CONSOLE_PUBLIC_URL', () => {
  const src = sources();
  const ingress = src.resources.find((r) => r.kind === 'Ingress' && r.name === 'console');
  assert.ok(ingress, 'Ingress/console in components/console-ingress');
  assert.ok(ingress.where.startsWith('components/console-ingress/'), ingress.where);
  const spec = (ingress.obj as IIngress).spec;
  assert.ok(spec);
  const publicUrl = new URL(
    (src.resources.find((r) => r.kind === 'ConfigMap' && r.name === 'console-config')?.obj as IConfigMap | undefined)
      ?.data?.CONSOLE_PUBLIC_URL ?? '',
  );
  assert.equal(publicUrl.protocol, 'https:');
  assert.deepEqual(
    spec.rules?.map((rule) => rule.host),
    [publicUrl.hostname],
  );
  assert.deepEqual(
    spec.tls?.map((t) => t.hosts),
    [[publicUrl.hostname]],
  );
  const backends = (spec.rules ?? []).flatMap((rule) => (rule.http?.paths ?? []).map((p) => p.backend.service));
  assert.deepEqual(backends, [{ name: 'console', port: { name: 'http' } }]);
  // The backend port is the console Service's http port (7500), never its metrics port.
  const service = src.resources.find((r) => r.kind === 'Service' && r.name === 'console')?.obj as IService | undefined;
  assert.equal(service?.spec?.ports?.find((p) => p.name === 'http')?.port, 7500);
});
