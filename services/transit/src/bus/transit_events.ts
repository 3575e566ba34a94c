// Transit's events, published through the outbox on transit.v1.events.<aggregate>.<event>.
export const transitSubjects = {
  all: 'transit.v1.events.>',
  journeySettled: 'transit.v1.events.journey.settled',
  denyListChanged: 'transit.v1.events.deny_list.changed',
} as const;
