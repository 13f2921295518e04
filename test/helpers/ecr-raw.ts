// One signed ECR JSON call whose raw response body is returned as parsed: for members the AWS SDKs
// drop because their model lacks them (Wharf's additions), or for error bodies exactly as sent.
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../unit/sigv4/aws-signer.js';

export async function ecrRaw(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, operation: string, input: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(endpoint);
  const body = JSON.stringify(input);
  const request = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}` },
    query: {},
    body,
  };
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'ecr', sha256: NodeSha256 });
  const signed = await signer.sign(request);
  const res = await fetch(`${endpoint}/`, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
