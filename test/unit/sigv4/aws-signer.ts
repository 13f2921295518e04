// The official AWS signer (@smithy/signature-v4, what AWS SDK v3 uses) driven with node:crypto, and
// the glue that turns what it signs into what our server-side verifier receives.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SignedRequest } from '../../../src/iam/sigv4/index.js';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** smithy's Checksum contract on top of node:crypto (keyed = HMAC-SHA256, else SHA-256). */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface PlainRequest {
  method: string;
  /** As it goes on the wire (already percent-encoded). */
  path: string;
  query?: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string;
}

export interface SignOptions {
  credentials: Credentials;
  region: string;
  service: string;
  signingDate: Date;
  applyChecksum?: boolean;
  unsignableHeaders?: Set<string>;
}

/** RFC 3986 encoding exactly as the SDK puts query parameters on the wire. */
export function escape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query string as the SDK's HTTP handler writes it (keys sorted, repeated keys repeated). */
export function wireQuery(query: Record<string, string | string[]> = {}): string {
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key]!;
    for (const item of Array.isArray(value) ? value : [value]) parts.push(`${escape(key)}=${escape(item)}`);
  }
  return parts.join('&');
}

export function sha256Hex(body: string | undefined): string {
  return createHash('sha256').update(body ?? '', 'utf8').digest('hex');
}

function signer(options: SignOptions): SignatureV4 {
  return new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service,
    sha256: NodeSha256,
    applyChecksum: options.applyChecksum ?? true,
  });
}

function received(method: string, path: string, query: Record<string, string | string[]> | undefined, headers: Record<string, string>, body?: string): SignedRequest {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return { method, path, query: wireQuery(query), headers: lower, payloadSha256Hex: sha256Hex(body) };
}

/** Signs with the Authorization header; returns the request as the server would see it. */
export async function signRequest(request: PlainRequest, options: SignOptions): Promise<SignedRequest> {
  const signed = await signer(options).sign(
    { protocol: 'https:', hostname: request.headers.host ?? 'localhost', ...request, query: request.query ?? {} },
    { signingDate: options.signingDate, ...(options.unsignableHeaders ? { unsignableHeaders: options.unsignableHeaders } : {}) },
  );
  return received(signed.method, signed.path, signed.query as Record<string, string | string[]>, signed.headers, request.body);
}

/** Presigns (signature in the query string). */
export async function presignRequest(request: PlainRequest, options: SignOptions & { expiresIn: number }): Promise<SignedRequest> {
  const signed = await signer(options).presign(
    { protocol: 'https:', hostname: request.headers.host ?? 'localhost', ...request, query: request.query ?? {} },
    { signingDate: options.signingDate, expiresIn: options.expiresIn },
  );
  return received(signed.method, signed.path, signed.query as Record<string, string | string[]>, signed.headers, request.body);
}

/**
 * The SDK always dates requests with X-Amz-Date; this signs one dated by the `Date` header instead,
 * still with the SDK's own canonical-request and string-to-sign code.
 */
export class DateHeaderSigner extends SignatureV4 {
  constructor(private readonly options: SignOptions) {
    super({ credentials: options.credentials, region: options.region, service: options.service, sha256: NodeSha256 });
  }

  async signWithDateHeader(request: PlainRequest, canonicalHeaders: Record<string, string>): Promise<SignedRequest> {
    const longDate = this.formatDate(this.options.signingDate).longDate;
    const scope = `${longDate.slice(0, 8)}/${this.options.region}/${this.options.service}/aws4_request`;
    const canonical = this.createCanonicalRequest(
      { protocol: 'https:', hostname: 'localhost', ...request, query: request.query ?? {} },
      canonicalHeaders,
      sha256Hex(request.body),
    );
    const toSign = await this.createStringToSign(longDate, scope, canonical, 'AWS4-HMAC-SHA256');
    const signature = await this.sign(toSign, { signingDate: this.options.signingDate });
    const signedHeaders = Object.keys(canonicalHeaders).sort().join(';');
    const headers = {
      ...request.headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${this.options.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    };
    return received(request.method, request.path, request.query, headers, request.body);
  }
}
