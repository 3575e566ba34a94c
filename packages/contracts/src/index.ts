// Names that cross service boundaries, defined once; services import them instead of matching string literals.
export { presentationAudiences } from './audiences.ts';
export { concessions, isConcession, type Concession } from './concessions.ts';
export { adminScopesOfRoles, isOperatorRole, operatorRoles, type OperatorRole } from './operator_roles.ts';
export {
  departments,
  hasAnyRole,
  isDepartment,
  isScoped,
  operatorAccessOf,
  operatorClaimNames,
  scopeRefusal,
  unscoped,
  type Department,
  type OperatorAccess,
  type OperatorScope,
  type ResourceOwner,
} from './operator_scope.ts';
export { resources, type Resource } from './resources.ts';
export {
  operatorScopes,
  resourceOfScope,
  serviceScope,
  healthBillingScopeVerbs,
  serviceScopeVerbs,
  transitScopeVerbs,
  walletScopeVerbs,
  type ServiceScopeVerb,
  type WalletScopeVerb,
} from './scopes.ts';
export {
  healthBillingEventSubjects,
  identityEventSubjects,
  liveSubjects,
  transitEventSubjects,
  walletEventSubjects,
  walletRequestSubjects,
  walletRiskSubjects,
} from './subjects.ts';
export { defaultBucketNames, defaultStreamNames, walletRiskOutcomesStream } from './streams.ts';
export {
  healthBillingReasons,
  identityReasons,
  transitReasons,
  walletReasons,
  type HealthBillingReason,
  type IdentityReason,
  type TransitReason,
  type WalletReason,
} from './reasons.ts';
export { riskDecisionIdKey, riskDecisionMention } from './risk_decision_mention.ts';
export { geoPointFromDegrees, isGeoPoint, maxLatitudeMicrodegrees, maxLongitudeMicrodegrees } from './geo_point.ts';
