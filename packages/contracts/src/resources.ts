// The resource servers identity issues access tokens for (RFC 8707 resource indicators): a token's `aud` names
// one of them, and each service accepts only tokens for itself.
export const resources = {
  identity: 'urn:citypass:identity',
  wallet: 'urn:citypass:wallet',
  transit: 'urn:citypass:transit',
  healthBilling: 'urn:citypass:health-billing',
} as const;

export type Resource = (typeof resources)[keyof typeof resources];
