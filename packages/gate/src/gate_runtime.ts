// One metro gate, able to work without the network. It decides every tap locally (issuer keys from its
// configuration, its own replay cache, the last known revocations and deny list), writes the tap to its journal
// before it answers, and uploads the journal to transit in the background. While NATS is reachable it follows the
// revocation and deny list buckets (credential's one BucketFollower); its stale policy is last_known: the verifier and
// the deny list read the followed sets themselves, so while a watch is down the gate keeps deciding on what it last
// knew and never fails closed. Its configuration, with the latest lists, is saved so a restart offline works.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { transitReasons } from '@citypass/contracts';
import {
  BucketFollower,
  PresentationVerifier,
  ReplayCache,
  RevocationSet,
  type ReplayCacheOptions,
} from '@citypass/credential';
import type { Bus } from '@citypass/platform/bus';
import type { BackoffOptions } from '@citypass/platform/backoff';
import { isDomainError } from '@citypass/platform/errors';
import { runPeriodically, type PeriodicJob } from '@citypass/platform/periodic';
import { decideTap, type DenyList } from './decide.ts';
import { fetchGateConfig, startingGateConfig, type UsableGateConfig } from './gate_config.ts';
import { saveGateConfig } from './gate_config_store.ts';
import type { GateLink } from './gate_link.ts';
import { storableReason, type GateDecision, type TapDirection } from './journal_format.ts';
import { TapJournal, type TapJournalOptions } from './tap_journal.ts';
import { TapUploader, type UploadEvent } from './tap_uploader.ts';

/** Longer presentations are refused by the verifier anyway; their taps are journaled without them. */
const maxStoredPresentationLength = 4_096;

/** A followed bucket's watch started, or stopped (the gate then decides on the last known list until it is back). */
export type BucketEvent =
  | { readonly type: 'watch_up'; readonly bucket: string }
  | { readonly type: 'watch_down'; readonly bucket: string; readonly error: unknown };

export type GateEvent =
  | UploadEvent
  | BucketEvent
  | { readonly type: 'config'; readonly source: 'link' | 'saved' }
  | { readonly type: 'warning'; readonly message: string; readonly error?: unknown };

export type GateRuntimeOptions = {
  readonly gateId: string;
  /** Expected `iss` of every credential. */
  readonly issuer: string;
  readonly link: GateLink;
  /** Holds the tap journal and the saved configuration; one per gate. */
  readonly journalDir: string;
  /** Follows the KV buckets while connected; attachNats() can add it later. The caller closes it. */
  readonly nats?: Bus['nc'];
  readonly clock?: () => number;
  /** False: start from the saved configuration and upload nothing until setOnline(true). Default true. */
  readonly online?: boolean;
  readonly uploadBatchSize?: number;
  readonly uploadBackoff?: BackoffOptions;
  readonly watchBackoff?: BackoffOptions;
  /** Fetch the configuration again this often while online (issuer key rotation). Default 5 min; 0 never. */
  readonly configRefreshMs?: number;
  /** Save the lists followed over NATS this often. Default 60 s; 0 only at stop. */
  readonly configSaveMs?: number;
  readonly journal?: Omit<TapJournalOptions, 'onWarning'>;
  readonly replayCache?: ReplayCacheOptions;
  readonly onEvent?: (event: GateEvent) => void;
};

export type TapResult = { readonly decision: GateDecision; readonly reason: string; readonly tapId: string };

export type GateStarted = {
  readonly source: 'link' | 'saved';
  readonly stationId: string;
  readonly pendingTaps: number;
};

type Started = { journal: TapJournal; uploader: TapUploader; verifier: PresentationVerifier; config: UsableGateConfig };

export class GateRuntime {
  readonly #options: GateRuntimeOptions;
  readonly #clock: () => number;
  readonly #revoked = new RevocationSet();
  readonly #denied = new RevocationSet();
  readonly #denyList: DenyList = { isDenied: (residentId) => this.#denied.isRevoked(residentId) };
  readonly #replayCache: ReplayCache;
  readonly #followers = new Map<RevocationSet, BucketFollower>();
  readonly #jobs: PeriodicJob[] = [];
  #started: Started | undefined;
  #saving: Promise<void> = Promise.resolve();
  #refreshing = false;

  constructor(options: GateRuntimeOptions) {
    assert.ok(options.gateId !== '', 'gateId is required');
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#replayCache = new ReplayCache(options.replayCache);
  }

  get online(): boolean {
    return this.#state().uploader.online;
  }

  get pendingCount(): number {
    return this.#state().journal.pendingCount;
  }

  /** Loads the configuration (GATE_CONFIG_UNAVAILABLE when there is none at all) and starts the background work. */
  async start(): Promise<GateStarted> {
    assert.equal(this.#started, undefined, 'gate already started');
    const { gateId, issuer, link, journalDir } = this.#options;
    const onWarning = (message: string, error: unknown): void => {
      this.#emit({ type: 'warning', message, error });
    };
    const journal = await TapJournal.open(journalDir, { ...this.#options.journal, onWarning });
    let config: UsableGateConfig;
    try {
      config = await startingGateConfig(link, journalDir, { gateId, issuer }, this.#options.online ?? true);
    } catch (error) {
      await journal.close();
      throw error;
    }
    if (journal.recovery.skippedLines > 0)
      onWarning(`tap journal: ${journal.recovery.skippedLines} torn or damaged lines skipped`, undefined);
    if (config.fetchError !== undefined)
      onWarning('gate configuration not fetched; using the saved one', config.fetchError);
    const uploader = new TapUploader({
      gateId,
      link,
      journal,
      online: this.#options.online ?? true,
      ...(this.#options.uploadBatchSize === undefined ? {} : { batchSize: this.#options.uploadBatchSize }),
      ...(this.#options.uploadBackoff === undefined ? {} : { backoff: this.#options.uploadBackoff }),
      onEvent: (event) => {
        this.#emit(event);
      },
    });
    this.#started = { journal, uploader, verifier: this.#use(config), config };
    if (config.source === 'link') {
      this.#save();
      await this.#saving; // before the first tap: a crash from here on restarts with this configuration
    }
    uploader.start();
    if (this.#options.nats !== undefined) this.attachNats(this.#options.nats);
    this.#every('gate configuration refresh', this.#options.configRefreshMs ?? 300_000, () => this.#refreshConfig());
    this.#every('gate configuration save', this.#options.configSaveMs ?? 60_000, async () => {
      if (![...this.#followers.values()].some((follower) => follower.live)) return;
      this.#save();
      await this.#saving;
    });
    return { source: config.source, stationId: config.config.stationId, pendingTaps: journal.pendingCount };
  }

  /** Decides locally, journals durably, then answers. Never waits on the network. */
  async tap(presentation: string, direction: TapDirection, atMs?: number): Promise<TapResult> {
    const { journal, uploader, verifier } = this.#state();
    const tappedAtMs = atMs ?? this.#clock();
    const tapId = randomUUID();
    const decided = await decideTap(verifier, this.#denyList, presentation, tappedAtMs);
    const reason = decided.decision === 'DENY' ? storableReason(decided.reason) : '';
    // A denied tap is kept for the record without what was scanned: transit ignores it, and junk must cost no bytes.
    const stored =
      decided.decision === 'OPEN' && presentation.length <= maxStoredPresentationLength ? presentation : '';
    try {
      await journal.append({ tapId, presentation: stored, direction, tappedAtMs, decision: decided.decision, reason });
    } catch (error) {
      // Unrecorded, a tap could not be charged: the gate stays closed, and the presentation was not used (the
      // resident may show the same code again once the journal takes taps).
      if (decided.decision === 'OPEN') verifier.release(decided.presentation);
      this.#emit({ type: 'warning', message: 'tap not journaled; denied', error });
      return {
        decision: 'DENY',
        reason: isDomainError(error) ? error.reason : transitReasons.GATE_JOURNAL_UNAVAILABLE,
        tapId,
      };
    }
    uploader.notify();
    return { decision: decided.decision, reason, tapId };
  }

  /** Follows the revocation and deny list buckets over this connection (once; later calls are ignored). */
  attachNats(nc: Bus['nc']): void {
    const { config } = this.#state().config;
    if (this.#followers.size > 0) return;
    const buckets: [string, RevocationSet][] = [
      [config.credentialStatusBucket, this.#revoked],
      [config.denyListBucket, this.#denied],
    ];
    for (const [bucket, set] of buckets) {
      if (bucket === '') continue;
      const follower = new BucketFollower({
        nc,
        bucket,
        set,
        open: () => new Kvm(nc).open(bucket),
        onChange: (live, error) => {
          this.#emit(live ? { type: 'watch_up', bucket } : { type: 'watch_down', bucket, error });
        },
        ...(this.#options.watchBackoff === undefined ? {} : { backoff: this.#options.watchBackoff }),
      });
      this.#followers.set(set, follower);
      follower.start();
    }
  }

  /** Offline: decide and journal only (the network "cut"). Back online, uploads resume. */
  setOnline(online: boolean): void {
    const { uploader, config } = this.#state();
    uploader.setOnline(online);
    if (online && config.source === 'saved') void this.#refreshConfig();
  }

  /** Uploads every pending tap now; rejects if the link fails or the gate is offline. */
  flush(): Promise<void> {
    return this.#state().uploader.flush();
  }

  /** Stops uploads and watches, saves the latest lists, closes the journal. Pending taps stay for the next start. */
  async stop(): Promise<void> {
    const started = this.#started;
    if (started === undefined) return;
    // Waits for a refresh or save in progress, so neither runs on while the gate stops under it.
    await Promise.all(this.#jobs.splice(0).map((job) => job.stop()));
    await started.uploader.stop();
    await Promise.all([...this.#followers.values()].map((follower) => follower.stop()));
    this.#followers.clear();
    this.#save();
    await this.#saving;
    await started.journal.close();
    this.#started = undefined;
  }

  #state(): Started {
    assert.ok(this.#started !== undefined, 'gate not started');
    return this.#started;
  }

  /** A verifier for this configuration; its lists replace ours unless a watch keeps them current. */
  #use(config: UsableGateConfig): PresentationVerifier {
    if (this.#followers.get(this.#revoked)?.live !== true) replaceAll(this.#revoked, config.config.revokedCredentials);
    if (this.#followers.get(this.#denied)?.live !== true) replaceAll(this.#denied, config.config.deniedResidents);
    this.#emit({ type: 'config', source: config.source });
    return new PresentationVerifier({
      issuer: this.#options.issuer,
      issuerKeys: config.issuerKeys,
      revocations: this.#revoked,
      replayCache: this.#replayCache,
      now: this.#clock,
    });
  }

  async #refreshConfig(): Promise<void> {
    const started = this.#started;
    if (started === undefined || !started.uploader.online || this.#refreshing) return;
    this.#refreshing = true;
    try {
      const config = await fetchGateConfig(this.#options.link, this.#options);
      if (this.#started !== started) return;
      started.verifier = this.#use(config);
      started.config = config;
      this.#save();
    } catch (error) {
      this.#emit({ type: 'warning', message: 'gate configuration refresh failed; keeping the current one', error });
    } finally {
      this.#refreshing = false;
    }
  }

  /** Saves the configuration with the lists as they are now; saves run one after another. */
  #save(): void {
    const started = this.#state();
    const config = {
      ...started.config.config,
      revokedCredentials: [...this.#revoked.ids()],
      deniedResidents: [...this.#denied.ids()],
    };
    this.#saving = this.#saving
      .then(() => saveGateConfig(this.#options.journalDir, config, this.#clock()))
      .catch((error: unknown) => {
        this.#emit({ type: 'warning', message: 'gate configuration could not be saved', error });
      });
  }

  /** 0 ms: never. The tasks report their own failures as events, so they do not reject. */
  #every(name: string, intervalMs: number, task: () => Promise<void>): void {
    if (intervalMs > 0) this.#jobs.push(runPeriodically({ name, intervalMs }, task));
  }

  #emit(event: GateEvent): void {
    this.#options.onEvent?.(event);
  }
}

function replaceAll(set: RevocationSet, ids: readonly string[]): void {
  const wanted = new Set(ids);
  for (const id of [...set.ids()]) if (!wanted.has(id)) set.remove(id);
  for (const id of wanted) set.add(id);
}
