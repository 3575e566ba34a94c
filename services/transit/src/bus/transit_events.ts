// Transit's events, published through the outbox on transit.v1.events.<aggregate>.<event> (names: @citypass/contracts).
export { transitEventSubjects as transitSubjects } from '@citypass/contracts';
