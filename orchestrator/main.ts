import { startTracing } from '../agents/runtime/index.js';
import { loadConfig } from './config.js';
import { startOrchestrator } from './server.js';

const config = loadConfig(process.env);
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; registered before anything is served, so every request is traced.
const tracing = startTracing({
  serviceName: config.OTEL_SERVICE_NAME ?? 'orchestrator',
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const orchestrator = await startOrchestrator(config);
const stop = async () => {
  await orchestrator.close();
  await tracing.shutdown();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
