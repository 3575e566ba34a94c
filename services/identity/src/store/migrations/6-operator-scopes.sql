-- Delegated administration: an operator may be scoped to one merchant (an onboarded service) and/or one department
-- (contracts' operator_scope.ts). Their tokens carry the scope and every service shows them only that part. NULL:
-- not scoped in that dimension. A service is never deleted, so the reference stays good.
ALTER TABLE operators
  ADD COLUMN merchant text REFERENCES services (name),
  ADD COLUMN department text CHECK (department IN ('transit', 'health'));
