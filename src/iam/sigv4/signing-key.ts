// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
// Four HMACs per request are avoidable: a key is good for one (secret, day, region, service), so
// recent ones are kept in a small LRU map. It is only a cache; every node rebuilds its own.
import { createHmac } from 'node:crypto';

const MAX_CACHED_KEYS = 256;
const cache = new Map<string, Buffer>();

export function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  // Date, region and service never contain '/' (they come from splitting the scope on it), and the
  // secret comes last, so the id is unambiguous.
  const id = `${date}/${region}/${service}/${secretAccessKey}`;
  const cached = cache.get(id);
  if (cached) {
    cache.delete(id);
    cache.set(id, cached);
    return cached;
  }
  let key = hmac(`AWS4${secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  cache.set(id, key);
  if (cache.size > MAX_CACHED_KEYS) cache.delete(cache.keys().next().value!);
  return key;
}

/** For tests: how many derived keys are held. */
export function cachedSigningKeys(): number {
  return cache.size;
}
