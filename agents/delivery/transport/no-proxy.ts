/**
 * NO_PROXY as curl and most tools read it: comma or space separated; `*` for everything; `host`,
 * `.domain` and `*.domain` match the domain and its subdomains; an IP address or a CIDR block; any
 * of them with `:port` to match only that port. Case does not matter; IPv6 may be in brackets.
 */
import { BlockList, isIP } from 'node:net';

interface Rule {
  port: number | undefined;
  /** A domain suffix (lower case, no leading dot), or undefined for an address rule. */
  domain?: string;
  addresses?: BlockList;
}

export class NoProxyList {
  readonly #all: boolean;
  readonly #rules: Rule[];

  constructor(entries: readonly string[]) {
    const parts = entries.flatMap((e) => e.split(/[\s,]+/)).map((e) => e.trim().toLowerCase()).filter((e) => e !== '');
    this.#all = parts.includes('*');
    this.#rules = parts.filter((p) => p !== '*').map(parseRule).filter((r): r is Rule => r !== undefined);
  }

  /** Whether `host` (a name or an IP; IPv6 with or without brackets) at `port` is reached directly. */
  matches(host: string, port: number): boolean {
    if (this.#all) return true;
    const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const family = isIP(name);
    return this.#rules.some((rule) => {
      if (rule.port !== undefined && rule.port !== port) return false;
      if (rule.addresses !== undefined) return family !== 0 && rule.addresses.check(name, family === 6 ? 'ipv6' : 'ipv4');
      return rule.domain !== undefined && (name === rule.domain || name.endsWith(`.${rule.domain}`));
    });
  }
}

function parseRule(entry: string): Rule | undefined {
  let text = entry;
  let port: number | undefined;
  // host:port, [v6]:port; a bare IPv6 address has several colons and no port.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) {
    text = bracketed[1]!;
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if ((text.match(/:/g) ?? []).length === 1) {
    const [h, p] = text.split(':');
    text = h!;
    port = /^\d+$/.test(p ?? '') ? Number(p) : undefined;
  }
  const cidr = /^(.+)\/(\d{1,3})$/.exec(text);
  const address = cidr === null ? text : cidr[1]!;
  const family = isIP(address);
  if (family !== 0) {
    const addresses = new BlockList();
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (cidr === null) addresses.addAddress(address, type);
    else {
      const prefix = Number(cidr[2]);
      if (prefix > (family === 6 ? 128 : 32)) return undefined;
      addresses.addSubnet(address, prefix, type);
    }
    return { port, addresses };
  }
  const domain = text.replace(/^\*?\./, '').replace(/\.$/, '');
  return domain === '' ? undefined : { port, domain };
}
