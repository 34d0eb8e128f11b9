/** The process environment as the settings readers take it (tests pass their own). */
export type Environment = Record<string, string | undefined>;
