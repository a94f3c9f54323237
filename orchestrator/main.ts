import { checkFileModes, privateKeyFiles } from '../agents/runtime/file-modes.js';
import { createLogger, startTracing } from '../agents/runtime/index.js';
import { loadConfig } from './config.js';
import { startOrchestrator } from './server.js';

// Whatever this process writes (the database, key files) is its user's alone, whatever umask it was started with.
process.umask(0o077);
const config = loadConfig(process.env);
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; registered before anything is served, so every request is traced.
const tracing = startTracing({
  serviceName: config.OTEL_SERVICE_NAME ?? 'orchestrator',
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const logger = createLogger({ name: 'orchestrator', level: config.LOG_LEVEL });
// Before the database opens: an older install, or files copied in under a loose umask, tightened and each named.
await checkFileModes({
  paths: [
    config.DATA_DIR,
    ...(config.SIGNING_KEYS_FILE ? [config.SIGNING_KEYS_FILE] : []),
    ...(await privateKeyFiles(config.CERTS_DIR)),
  ],
  logger,
});
const orchestrator = await startOrchestrator(config, { logger });
const stop = async () => {
  await orchestrator.close();
  await tracing.shutdown();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
