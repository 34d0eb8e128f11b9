/** Keeps secrets (the bearer token) out of every message, log line and thrown error. */
export const REDACTED = '[REDACTED]';

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  // Belt and braces: any Authorization header value that slipped into a message.
  return out.replace(/(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`);
}
