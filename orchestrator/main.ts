import { loadConfig } from './config.js';
import { startOrchestrator } from './server.js';

const orchestrator = await startOrchestrator(loadConfig(process.env));
const stop = async () => {
  await orchestrator.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
