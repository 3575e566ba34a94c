// The audiences residents address presentations to, besides the services that charge them (whose audience is
// their own service name). identity reserves them as service names: a service called "wallet" would receive the
// presentations residents show the wallet to read their balance.
export const presentationAudiences = {
  /** The wallet, to read one's balance and statement. */
  wallet: 'wallet',
  /** Transit's rider views (journeys, cap progress): never opens a gate. */
  transitAccount: 'transit-account',
  /** A metro gate (online through transit or offline), and the mandate for the fares settled afterwards. */
  gate: 'transit',
  /** Health billing's resident views (my bills, explanations of benefits); a clinic's own name is the audience of
   * a check-in and of the mandate that pays a bill. */
  healthBilling: 'health-billing',
} as const;
