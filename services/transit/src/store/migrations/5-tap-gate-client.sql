-- The gate client (gate:<client>) that sent the tap: a tap id is answered again only for the same gate and the
-- same client, also after the gate has been handed to another client. Taps recorded before this have none.
ALTER TABLE taps ADD COLUMN gate_client text;
