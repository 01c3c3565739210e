/** Collects secret values as they are resolved and scrubs them from every log line. */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret value; values shorter than 4 characters are too ambiguous to scrub and are refused. */
  add(value: string): void {
    if (value.length >= 4) this.#secrets.add(value);
  }

  /** Replaces every registered secret (and its JSON-escaped form) with `[REDACTED]`. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      out = out.split(secret).join('[REDACTED]');
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) out = out.split(escaped).join('[REDACTED]');
    }
    return out;
  }
}
