/**
 * The bearer tokens tests use. Each carries a canary marker: .ci/run searches the whole test log for
 * it, and tests search thrown errors for it, so a token that leaks anywhere fails the build.
 */
export const CANARY = 'canary-SECRET';
export const TEST_TOKEN = `${CANARY}-bearer-7f3e9c1d`;
