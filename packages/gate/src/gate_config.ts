// Turns a gate configuration (fetched or saved) into what the gate decides with, refusing one it cannot use: a
// gate that trusted a configuration for another gate or another issuer, or without keys, would decide wrongly.
import type { GetGateConfigResponse } from '@citypass/proto/transit/v1/transit';
import { IssuerKeys } from '@citypass/credential';
import { DomainError, isDomainError } from '@citypass/platform/errors';
import { loadGateConfig } from './gate_config_store.ts';
import type { GateLink } from './gate_link.ts';
import { transitReasons } from '@citypass/contracts';

export type GateIdentity = { readonly gateId: string; readonly issuer: string };

export type UsableGateConfig = {
  readonly config: GetGateConfigResponse;
  readonly issuerKeys: IssuerKeys;
  /** Fetched from transit now, or the one saved in the journal directory. */
  readonly source: 'link' | 'saved';
  readonly fetchError?: unknown;
};

/**
 * The configuration to start with: transit's when online and it answers with a usable one, else the saved one.
 * GATE_CONFIG_UNAVAILABLE when there is neither: a gate that never had a configuration cannot decide.
 */
export async function startingGateConfig(
  link: GateLink,
  dir: string,
  gate: GateIdentity,
  online: boolean,
): Promise<UsableGateConfig> {
  let fetchError: unknown;
  if (online) {
    try {
      return await fetchGateConfig(link, gate);
    } catch (error) {
      fetchError = error;
    }
  }
  const saved = await loadGateConfig(dir);
  if (saved === undefined) {
    const cause = isDomainError(fetchError)
      ? fetchError.reason
      : fetchError instanceof Error
        ? fetchError.message
        : 'no answer';
    // Said with what to do: a gate learns its configuration (fares' issuer keys, its station) from transit once.
    const message = online
      ? `gate ${gate.gateId} has no configuration: transit did not provide one (${cause}) and none was saved in ${dir}; check that transit runs and that this gate client is assigned the gate`
      : `gate ${gate.gateId} has no configuration saved in ${dir} yet: run it once without --offline, connected to transit, to fetch and save one; after that it can start offline`;
    throw new DomainError('failed_precondition', transitReasons.GATE_CONFIG_UNAVAILABLE, message, {
      cause: fetchError,
    });
  }
  return { config: saved.config, issuerKeys: issuerKeysOfConfig(saved.config, gate), source: 'saved', fetchError };
}

export async function fetchGateConfig(link: GateLink, gate: GateIdentity): Promise<UsableGateConfig> {
  const config = await link.getGateConfig({ gateId: gate.gateId });
  return { config, issuerKeys: issuerKeysOfConfig(config, gate), source: 'link' };
}

/** Issuer keys from the configuration's JWKS; GATE_CONFIG_INVALID when it is not this gate's or has no key. */
export function issuerKeysOfConfig(config: GetGateConfigResponse, expected: GateIdentity): IssuerKeys {
  if (config.gateId !== '' && config.gateId !== expected.gateId) {
    throw invalid(`configuration is for gate ${config.gateId}, not ${expected.gateId}`);
  }
  if (config.issuer !== '' && config.issuer !== expected.issuer) {
    throw invalid(`configuration names issuer ${config.issuer}, not ${expected.issuer}`);
  }
  let keys: IssuerKeys;
  try {
    keys = new IssuerKeys({ jwks: JSON.parse(config.issuerJwksJson) as unknown });
  } catch (error) {
    throw invalid('issuer JWKS in the configuration cannot be read', error);
  }
  if (keys.size === 0) throw invalid('issuer JWKS in the configuration has no ES256 signing key');
  return keys;
}

function invalid(message: string, cause?: unknown): DomainError {
  return new DomainError('failed_precondition', transitReasons.GATE_CONFIG_INVALID, message, { cause });
}
