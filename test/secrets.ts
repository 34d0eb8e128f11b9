/**
 * The bearer tokens tests use. Each carries a canary marker: .ci/run searches the whole test log for
 * it, and tests search thrown errors for it, so a token that leaks anywhere fails the build.
 */
export const CANARY = 'canary-SECRET';
export const TEST_TOKEN = `${CANARY}-bearer-7f3e9c1d`;

/**
 * Card payment tokens in tests carry this marker: after the tests, the runner searches every payload
 * of every workflow history on the test server for it (no token may enter history), and CI searches
 * the test log as for the bearer token.
 */
export const CARD_TOKEN_CANARY = 'cardcanary';
export const cardToken = (name: string) => `${name}-${CARD_TOKEN_CANARY}`;
