// The database clients live in the agents' runtime, shared by every process that owns data (the orchestrator and
// the human desk); the orchestrator's store names them from here.
export {
  createPgliteClient,
  createPostgresClient,
  type Migration,
  type PgliteClientOptions,
  type PostgresClientOptions,
  runMigrations,
  type SqlClient,
} from '../../agents/runtime/database.js';
