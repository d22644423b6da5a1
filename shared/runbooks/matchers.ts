/**
 * Alertmanager's label matcher syntax, which the people writing runbooks know:
 *   alertname="DiskFull"   severity=~"critical|error"   team!="payments"   env!~"dev.*"
 * Regexes are anchored, as in Alertmanager (the whole value must match).
 * https://prometheus.io/docs/alerting/latest/configuration/#matcher
 */

export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  /** Compiled for =~ and !~. */
  regex?: RegExp;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s,"'{}]*))\s*$/;

/** Parses one matcher; throws an Error saying what is wrong. */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`not a matcher: ${JSON.stringify(text)} (expected e.g. alertname="DiskFull" or severity=~"critical|error")`);
  const value = (m[3] ?? m[4] ?? m[5] ?? '').replace(/\\(.)/g, '$1');
  const op = m[2] as Matcher['op'];
  const matcher: Matcher = { name: m[1] as string, op, value };
  if (op === '=~' || op === '!~') {
    if (value.length > 500) throw new Error(`regex in ${m[1]} is longer than 500 characters`);
    try {
      matcher.regex = new RegExp(`^(?:${value})$`);
    } catch (err) {
      throw new Error(`invalid regex for ${m[1]}: ${(err as Error).message}`, { cause: err });
    }
  }
  return matcher;
}

/** A list of matchers, or one string `{a="b", c=~"d"}` as Alertmanager also accepts. */
export function parseMatchers(input: string | readonly string[]): Matcher[] {
  if (typeof input !== 'string') return input.map(parseMatcher);
  const inner = input.trim().replace(/^\{/, '').replace(/\}$/, '');
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    if (quote) {
      current += ch;
      if (ch === '\\') current += inner[++i] ?? '';
      else if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map(parseMatcher);
}

/** All matchers must hold. A missing label is the empty string (Alertmanager's rule). */
export function matches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? '';
    switch (m.op) {
      case '=':
        return v === m.value;
      case '!=':
        return v !== m.value;
      case '=~':
        return (m.regex as RegExp).test(v);
      case '!~':
        return !(m.regex as RegExp).test(v);
    }
  });
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}
