import cluster from 'node:cluster';
import { checkFileModes, privateKeyFiles } from '../agents/runtime/file-modes.js';
// The logger's own module, not the runtime's index: a cluster's primary loads no more than it uses.
import { createLogger } from '../agents/runtime/logger.js';
import { loadConfig } from './config.js';
import { announceListening, runClusterPrimary, stopWithPrimary } from './replicas/cluster.js';

// Whatever this process writes (the database, key files) is its user's alone, whatever umask it was started with.
process.umask(0o077);
const config = loadConfig(process.env);
const logger = createLogger({ name: 'orchestrator', level: config.LOG_LEVEL });
// Before the database opens: an older install, or files copied in under a loose umask, tightened and each named.
// Once per start: by the primary when ORCHESTRATOR_PROCESSES forks several processes.
if (!cluster.isWorker) {
  await checkFileModes({
    paths: [
      config.DATA_DIR,
      ...(config.SIGNING_KEYS_FILE ? [config.SIGNING_KEYS_FILE] : []),
      ...(await privateKeyFiles(config.CERTS_DIR)),
    ],
    logger,
  });
}
if (config.ORCHESTRATOR_PROCESSES > 1 && cluster.isPrimary) {
  // The primary forks the processes that serve PORT (this same entry, as workers) and serves nothing itself.
  runClusterPrimary({ processes: config.ORCHESTRATOR_PROCESSES, logger, url: config.publicUrl });
} else {
  // Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; registered before the server's modules load, so every request is
  // traced. Both imported here so a cluster's primary never loads them (about 100 MB of packages).
  const { startTracing } = await import('../agents/runtime/index.js');
  const tracing = await startTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? 'orchestrator',
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
  const { startOrchestrator } = await import('./server.js');
  const orchestrator = await startOrchestrator(config, { logger });
  announceListening(orchestrator.port);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await orchestrator.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  stopWithPrimary(() => void stop());
}
