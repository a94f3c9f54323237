/** A size as PostgreSQL settings read it (`shared_buffers=16MB`): digits and a unit. */
export const PG_SIZE = /^\d+(kB|MB|GB)$/;
