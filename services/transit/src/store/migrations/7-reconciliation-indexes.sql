-- The reconciliation with the wallet reads journeys by service day and each journey's settlement steps (written-off
-- charges, refunds that found nothing to take, pending steps) without scanning every row.
CREATE INDEX journey_charges_by_date ON journey_charges (service_date, resident_id, journey_id);
CREATE INDEX settlement_steps_journey ON settlement_steps (resident_id, journey_id);
