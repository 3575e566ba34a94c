// TransitService's field length limits beyond the platform's 1,024 characters, as transit.proto states: transit's
// gRPC edge enforces them, gates keep their taps under them. Here so both sides read the same limits.
import { presentationFieldLimit } from '@citypass/credential';
import type { FieldLimits } from '@citypass/platform/field_limits';

export const transitFieldLimits: FieldLimits = {
  presentation: presentationFieldLimit,
  'taps.presentation': presentationFieldLimit,
};
