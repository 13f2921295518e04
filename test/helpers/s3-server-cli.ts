// Runs one S3 test server for a whole test run (CI), so test processes share it instead of each
// starting their own:
//   node dist/test/helpers/s3-server-cli.js
// prints `WHARF_TEST_S3=http://KEY:SECRET@127.0.0.1:PORT` on one stdout line once the server answers,
// and stops it on SIGTERM or SIGINT. Daemon logs are not kept: start-up failures print their tails.
import { s3ServerUrl, startS3Server, type S3TestServer } from './s3-server.js';

let started: S3TestServer | undefined;
const server = await startS3Server({
  onDaemonExit: (name, code, signal) => {
    // One daemon gone leaves a server that fails every request: better to fail the run loudly.
    process.stderr.write(`s3-server: ${name} exited on its own (code ${code}, signal ${signal})\n`);
    void started?.stop().finally(() => process.exit(1));
  },
}).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
started = server;

process.stdout.write(`WHARF_TEST_S3=${s3ServerUrl(server)}\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  server.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`s3-server: stopping after ${signal} failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
