// Concession classes: what a resident's credential entitles them to (their fares, caps and, later, co-pays). The
// names travel inside credentials and events; identity's API carries them as the ConcessionClass enum of
// identity.proto (CONCESSION_CLASS_<NAME>), which a test in identity holds equal to this list.
export const concessions = ['adult', 'child', 'senior', 'student'] as const;
export type Concession = (typeof concessions)[number];

export function isConcession(value: string): value is Concession {
  return (concessions as readonly string[]).includes(value);
}
