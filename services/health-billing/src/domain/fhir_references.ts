// How the exported resources point at each other: relative references (`Claim/<bill id>`) resolved against the
// export's base URL. Every resource of a bill has the bill's id (a ChargeItem has its line's); clinics and insurers
// are Organizations named by their party name; the patient is `Patient/<resident id>` and nothing more. Pure.
import type { FhirSource } from './fhir_input.ts';

export interface Reference {
  readonly reference: string;
}

export const referenceTo = (resourceType: string, id: string): Reference => ({ reference: `${resourceType}/${id}` });

export const patientOf = (source: FhirSource): Reference => referenceTo('Patient', source.member.patientId);
export const clinicOf = (source: FhirSource): Reference => referenceTo('Organization', source.bill.clinic);
export const insurerOf = (source: FhirSource): Reference => referenceTo('Organization', source.bill.insurer);
export const coverageOf = (source: FhirSource): Reference => referenceTo('Coverage', source.bill.billId);

export const fullUrlOf = (baseUrl: string, resourceType: string, id: string): string =>
  `${baseUrl}/${resourceType}/${id}`;

/** The instant the bill was opened, as a FHIR dateTime. */
export const createdOf = (source: FhirSource): string => new Date(source.bill.createdAtMs).toISOString();
