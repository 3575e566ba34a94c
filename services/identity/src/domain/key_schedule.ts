// Which issuer keys sign and which are published, derived from the keys' activation times alone.
// A new key is published `activationDelayMs` before it signs (verifiers fetch it ahead of use); a superseded key
// stays published for `overlapMs` (the longest lifetime of anything it signed) and is then dropped.

export interface KeyTimes {
  readonly kid: string;
  readonly activatesAtMs: number;
}

export interface KeyPolicy {
  readonly rotationMs: number;
  readonly activationDelayMs: number;
  readonly overlapMs: number;
}

export interface KeyPlan<K extends KeyTimes> {
  /** The key that signs now; undefined only before the first key exists. */
  readonly signer: K | undefined;
  /** Signer first, then upcoming keys, then superseded keys still inside their overlap. */
  readonly published: readonly K[];
  /** 'now': no key can sign, make one that is active at once; 'next': publish the successor. */
  readonly create: 'now' | 'next' | undefined;
}

export function planKeys<K extends KeyTimes>(keys: readonly K[], nowMs: number, policy: KeyPolicy): KeyPlan<K> {
  const newestFirst = [...keys].sort((a, b) => b.activatesAtMs - a.activatesAtMs);
  const upcoming = newestFirst.filter((key) => key.activatesAtMs > nowMs);
  const active = newestFirst.filter((key) => key.activatesAtMs <= nowMs);
  const signer = active[0];
  if (signer === undefined) return { signer, published: upcoming, create: 'now' };

  const stillTrusted = active.slice(1).filter((key, index) => {
    const supersededAtMs = (active[index] ?? signer).activatesAtMs;
    return nowMs - supersededAtMs < policy.overlapMs;
  });
  const dueForSuccessor = nowMs - signer.activatesAtMs >= policy.rotationMs - policy.activationDelayMs;
  return {
    signer,
    published: [signer, ...upcoming, ...stillTrusted],
    create: upcoming.length === 0 && dueForSuccessor ? 'next' : undefined,
  };
}
