-- Onboarded services can be suspended (with the operator's reason) and their client secret rotated. A suspended
-- service's client metadata is kept under the model SuspendedClient, where oidc-provider never looks, so its token
-- requests get invalid_client; resuming moves it back. secret_version counts rotations (0: no secret, keys only).
ALTER TABLE services
  ADD COLUMN suspended_at timestamptz,
  ADD COLUMN suspension_reason text,
  ADD COLUMN secret_version integer NOT NULL DEFAULT 1 CHECK (secret_version >= 0),
  ADD COLUMN secret_rotated_at timestamptz,
  ADD CONSTRAINT services_suspension_has_reason CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL));
UPDATE services SET secret_version = 0 WHERE auth_method = 'private_key_jwt';
