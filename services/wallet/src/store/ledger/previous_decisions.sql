-- The previous release's risk decisions, one JSON object per item (keys named as risk_decisions' columns, as
-- store/risk_decisions.ts riskDecisionJson makes them), as the columns the ledger functions take now, one array
-- each in item order: for an earlier release's calls of the one-item authorize and charge functions, kept for a
-- rolling update (authorize_once.sql, charge_once.sql; the batches' wrappers of that release went with their next
-- change of arguments). Drop it with them.
CREATE OR REPLACE FUNCTION wallet_previous_decisions(p_risk_decision json[]) RETURNS TABLE (
  decision_id uuid[], decision_merchant text[], decision_outcome text[], decision_stage text[],
  decision_score smallint[], decision_reasons json[], decision_rule_set_version text[], decision_rule_reason text[],
  decision_explanation text[], decision_event json[], decided_at timestamptz[]
) LANGUAGE sql AS $$
  SELECT array_agg((d ->> 'decision_id')::uuid ORDER BY n),
         array_agg(d ->> 'merchant' ORDER BY n),
         array_agg(d ->> 'outcome' ORDER BY n),
         array_agg(d ->> 'stage' ORDER BY n),
         array_agg((d ->> 'score')::smallint ORDER BY n),
         array_agg(d -> 'reasons' ORDER BY n),
         array_agg(d ->> 'rule_set_version' ORDER BY n),
         array_agg(d ->> 'rule_reason' ORDER BY n),
         array_agg(d ->> 'explanation' ORDER BY n),
         array_agg(d -> 'event' ORDER BY n),
         array_agg((d ->> 'decided_at')::timestamptz ORDER BY n)
  FROM unnest(p_risk_decision) WITH ORDINALITY AS item (d, n)
$$;

-- The previous release's JSON array of JSON texts (risk decisions' reasons or events, null for an item without a
-- decision) as the JSON lines the ledger functions take now (record_risk_decisions.sql): for that release's calls of
-- the batches (authorize_many.sql, charge_many.sql). A line break inside a JSON text is whitespace between tokens
-- (one in a string is escaped), so it becomes a space. Drop it with them.
CREATE OR REPLACE FUNCTION wallet_json_lines(p_list json) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(CASE json_typeof(item.value) WHEN 'null' THEN '' ELSE translate(item.value::text, E'\n', ' ') END,
                    E'\n' ORDER BY item.n)
  FROM json_array_elements(p_list) WITH ORDINALITY AS item (value, n)
$$;
