// TLS material: the operator's certificate and key, or a self-signed pair for quick trials, made
// once and kept in the data directory so clients that pinned it keep working after a restart.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function loadTls(options: { certFile?: string; keyFile?: string; selfSigned: boolean; dataDir: string; host: string }): Promise<TlsMaterial | null> {
  if (options.certFile && options.keyFile) {
    return { cert: await readFile(options.certFile, 'utf8'), key: await readFile(options.keyFile, 'utf8') };
  }
  if (!options.selfSigned) return null;
  const certFile = join(options.dataDir, 'tls-self-signed.crt');
  const keyFile = join(options.dataDir, 'tls-self-signed.key');
  try {
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const isIp = /^[\d.]+$|:/.test(options.host);
  const pems = await generate([{ name: 'commonName', value: options.host }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 825 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          ...(isIp ? [{ type: 7 as const, ip: options.host.replace(/^\[|\]$/g, '') }] : [{ type: 2 as const, value: options.host }]),
        ],
      },
    ],
  });
  await writeFile(keyFile, pems.private, { mode: 0o600 });
  await writeFile(certFile, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private };
}
