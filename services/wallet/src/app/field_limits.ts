// Request strings the wallet takes beyond the platform's default of 1,024 characters, as the proto comments state.
// Checked at the edge (gRPC and the NATS charge handlers) before anything reads the request.
import { presentationFieldLimit } from '@citypass/credential';
import type { FieldLimits } from '@citypass/platform/field_limits';

export const walletFieldLimits: FieldLimits = { presentation: presentationFieldLimit };
