/** A load scenario: parses its own options (argv after the name), prints progress and a report. */
export interface LoadScenario {
  readonly name: string;
  readonly summary: string;
  run(argv: string[]): Promise<{ report: Record<string, unknown>; ok: boolean }>;
}
