// Runs real container tools (skopeo, buildah, podman) in a private sandbox, so e2e tests never
// touch the machine's containers storage, auth files or registry configuration:
//
//   SANDBOX/
//     policy.json        accept-anything signature policy (passed explicitly to every tool)
//     registries.conf    no unqualified-search registries   (CONTAINERS_REGISTRIES_CONF)
//     containers.conf    events off, cgroupfs, private network config dir (CONTAINERS_CONF)
//     storage.conf       vfs driver on root/ + runroot/      (CONTAINERS_STORAGE_CONF)
//     auth.json          empty auth file                     (REGISTRY_AUTH_FILE, --authfile)
//     root/ runroot/     containers storage (also passed as --root/--runroot/--storage-driver vfs)
//     home/ run/ tmp/    HOME, XDG_RUNTIME_DIR, TMPDIR
//
// One thing root-run containers/image tools always share: their blob-info cache in
// /var/lib/containers/cache (there is no option to move it). It is only a hint cache.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export function onPath(command: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

export interface RunResult {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Written to the child's stdin, then closed. */
  input?: string;
}

/** Runs a command; never throws for a non-zero exit (the result carries the code). */
export async function run(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  try {
    const promise = execFileAsync(file, args, {
      env: options.env,
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    if (options.input !== undefined) {
      promise.child.stdin?.end(options.input);
    } else {
      promise.child.stdin?.end();
    }
    const { stdout, stderr } = await promise;
    return { command, code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string; signal?: string; message?: string };
    const code = typeof e.code === 'number' ? e.code : -1;
    const stderr = `${e.stderr ?? ''}${code === -1 ? `\n[${e.message ?? 'failed'}${e.signal ? `, signal ${e.signal}` : ''}]` : ''}`;
    return { command, code, stdout: e.stdout ?? '', stderr };
  }
}

export function describeRun(result: RunResult, extra?: string): string {
  return [
    `$ ${result.command}`,
    `exit code: ${result.code}`,
    `stdout:\n${result.stdout.slice(-4000)}`,
    `stderr:\n${result.stderr.slice(-4000)}`,
    ...(extra ? [extra] : []),
  ].join('\n');
}

export interface ContainersSandbox {
  dir: string;
  policy: string;
  authFile: string;
  env: NodeJS.ProcessEnv;
  /** Global flags for buildah and podman selecting the private vfs storage. */
  storageFlags: string[];
  /** Global flags for podman (storage + tmpdir, events, cgroups). */
  podmanFlags: string[];
  skopeo(args: string[], options?: RunOptions): Promise<RunResult>;
  buildah(args: string[], options?: RunOptions): Promise<RunResult>;
  podman(args: string[], options?: RunOptions): Promise<RunResult>;
  /** Removes buildah working containers (best effort) and the sandbox directory. */
  cleanup(): Promise<void>;
}

export function makeContainersSandbox(prefix = 'wharf-e2e-clients-'): ContainersSandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const sub = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const root = sub('root');
  const runroot = sub('runroot');
  const home = sub('home');
  const runtimeDir = sub('run');
  const tmp = sub('tmp');
  const networkDir = sub('networks');
  const policy = join(dir, 'policy.json');
  const authFile = join(dir, 'auth.json');
  writeFileSync(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  writeFileSync(authFile, '{"auths":{}}\n', { mode: 0o600 });
  writeFileSync(join(dir, 'registries.conf'), 'unqualified-search-registries = []\n');
  writeFileSync(
    join(dir, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${root}"\nrunroot = "${runroot}"\n`,
  );
  writeFileSync(
    join(dir, 'containers.conf'),
    `[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n[network]\nnetwork_config_dir = "${networkDir}"\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_RUNTIME_DIR: runtimeDir,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    TMPDIR: tmp,
    REGISTRY_AUTH_FILE: authFile,
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    BUILDAH_ISOLATION: 'chroot',
  };
  const storageFlags = ['--root', root, '--runroot', runroot, '--storage-driver', 'vfs'];
  const podmanFlags = [
    ...storageFlags,
    '--tmpdir', join(runroot, 'libpod-tmp'),
    '--events-backend', 'none',
    '--cgroup-manager', 'cgroupfs',
  ];
  const withEnv = (options: RunOptions = {}): RunOptions => ({ ...options, env: { ...env, ...options.env } });
  return {
    dir,
    policy,
    authFile,
    env,
    storageFlags,
    podmanFlags,
    skopeo: (args, options) => run('skopeo', ['--policy', policy, '--tmpdir', tmp, ...args], withEnv(options)),
    buildah: (args, options) => run('buildah', [...storageFlags, ...args], withEnv(options)),
    podman: (args, options) => run('podman', [...podmanFlags, ...args], withEnv(options)),
    cleanup: async () => {
      if (onPath('buildah')) await run('buildah', [...storageFlags, 'rm', '--all'], withEnv());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
