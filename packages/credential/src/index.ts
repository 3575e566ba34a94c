// @citypass/credential: the resident's mobile credential, its presentations and their offline verification, and the
// access tokens city services accept at their edges.
export { AccessTokenVerifier } from './access_token.ts';
export type { AccessTokenErrorReason, AccessTokenVerifierOptions } from './access_token.ts';
export { BucketFollower, revocationsFrom, type BucketFollowerOptions, type StalePolicy } from './bucket_follower.ts';
export { decodeBase64Url, encodeBase64Url, isCanonicalBase64Url } from './base64url.ts';
export { concessions, credentialTyp, credentialVct, issueCredential, parseCredentialClaims } from './credential.ts';
export type { Concession, CredentialClaims, CredentialSigner, IssueCredentialInput } from './credential.ts';
export { credentialReasons, type CredentialErrorReason } from './errors.ts';
export { IssuerKeys, type IssuerKeysOptions } from './issuer_keys.ts';
export { importDevicePublicJwk, jwkThumbprint, publicJwkOf, type EcPublicJwk } from './jwk.ts';
export type { Jwks, PublishedJwk } from './jwks.ts';
export { decodeJws, signJws, verifyJwsSignature, type DecodedJws, type JwsHeaderInput } from './jws.ts';
export {
  createPresentation,
  keyBindingTyp,
  maxPresentationTtlSeconds,
  parsePresentationClaims,
  sdHashOf,
  splitPresentation,
} from './presentation.ts';
export type { AmountCap, CreatePresentationInput, PresentationClaims } from './presentation.ts';
export { ReplayCache, type AcceptedPresentation, type ReplayCacheOptions } from './replay_cache.ts';
export { watchRevocations, type RevocationWatch } from './revocation_watch.ts';
export { RevocationSet, revokedAtOf, type RevocationList } from './revocations.ts';
export { defaultMaxPresentationBytes, presentationFieldLimit, PresentationVerifier } from './verifier.ts';
export type { PresentationVerifierOptions, VerifiedPresentation, VerifyPresentationOptions } from './verifier.ts';
export { ServiceSuspensions, type SuspensionChange, type WhileSuspended } from './service_suspensions.ts';
export { followSuspensions, suspensionChangeOf, type SuspensionFollower } from './suspension_follower.ts';
