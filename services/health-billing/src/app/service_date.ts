// Service dates are UTC calendar days (YYYY-MM-DD), as the engine's plan years are calendar years.
export function serviceDateOf(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}
