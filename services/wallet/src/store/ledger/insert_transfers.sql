-- Inserts the transfers a batch's written items posted (wallet_charge_many and wallet_capture_many, after their
-- loop, so they commit with their items), in one statement: one executor start and one setup of the table's CHECK constraints for the batch
-- instead of one per transfer (PostgreSQL parses and plans a table's CHECK constraints again for every statement
-- that writes it: bench/pg_cost.ts, docs/capacity.md). Each row's foreign keys are still checked, row by row.
CREATE OR REPLACE FUNCTION wallet_insert_transfers(p_transfers transfers[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transfers SELECT * FROM unnest(p_transfers);
END $$;
