// The values of a query built from optional conditions: each `add` keeps a value and returns its placeholder.
export interface QueryParameters {
  readonly values: unknown[];
  readonly add: (value: unknown) => string;
}

export function queryParameters(): QueryParameters {
  const values: unknown[] = [];
  return {
    values,
    add: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
