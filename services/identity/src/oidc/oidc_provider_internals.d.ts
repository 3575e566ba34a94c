// The one piece of oidc-provider's internal state identity touches (see c_nonce.ts).
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  interface ProviderInternals {
    CNonceChallenges?: { nextChallenge(): string; checkChallenge(nonce: string): boolean };
  }
  export default function instance(provider: object): ProviderInternals;
}
