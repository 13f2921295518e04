/**
 * Reading typed values out of policy text and request context: numbers, dates, booleans, IP
 * ranges and base64. Used both by `parsePolicy` (to reject a bad value when the policy is saved,
 * not when it is first evaluated) and by the condition evaluator, so the two can never disagree.
 * Each reader returns undefined for anything it does not accept.
 */
import { BlockList, isIP } from 'node:net';
import { memoize } from './memo.js';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return Number(value.trim());
  return undefined;
}

// ISO 8601 calendar dates, optionally with a time and a zone; no zone means UTC (as IAM reads it).
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Milliseconds since the epoch. Dates are ISO 8601 text or epoch seconds (a JSON number or a
 * string of digits; a digits-only string is always epoch seconds, never a year).
 */
export function readDate(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const m = ISO_8601.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined; // e.g. 2023-02-30
  }
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = Number(digits.slice(2));
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  return date.getTime() - offsetMinutes * 60_000;
}

export function readBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

export interface IpRange {
  family: 'ipv4' | 'ipv6';
  list: BlockList;
}

function parseIpRange(value: string): IpRange | undefined {
  const [address, prefixText, ...rest] = value.trim().split('/');
  if (address === undefined || rest.length > 0) return undefined;
  const version = isIP(address);
  if (version === 0 || address.includes('%')) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { family, list };
}

const cachedIpRange = memoize(parseIpRange);

/**
 * An address or CIDR block, IPv4 or IPv6 ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7").
 * Memoised: building a BlockList costs more than the rest of an evaluation, and policies repeat
 * the same few ranges on every request.
 */
export function readIpRange(value: unknown): IpRange | undefined {
  return typeof value === 'string' ? cachedIpRange(value) : undefined;
}

/**
 * IPv4 addresses match only IPv4 ranges (BlockList alone would also place them inside IPv6
 * ranges such as ::/0). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket
 * reports for an IPv4 client) matches IPv4 ranges; BlockList does that mapping itself.
 */
export function ipInRange(ip: string, range: IpRange): boolean {
  const version = isIP(ip);
  if (version === 0 || (version === 4 && range.family === 'ipv6')) return false;
  try {
    return range.list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false; // addresses BlockList refuses (e.g. with a zone id) are in no range
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function readBase64(value: unknown): Buffer | undefined {
  return typeof value === 'string' && BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
}
