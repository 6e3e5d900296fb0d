/**
 * Errors shaped like the ones drivers throw during an outage: same class
 * names, codes and fields, so code that tells transient failures apart (the
 * consumers' `isTransientFailure`, or the app's own) treats them like the
 * real thing. Imitations of other packages' errors, not the library's own
 * exceptions; the testing kit injects them.
 */

/** Node.js's socket error for a peer that refuses the connection (what pg, mysql2, kafkajs and amqplib see while a server is down). */
export function connectionRefused(address: string, port: number): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { errno: -111, code: 'ECONNREFUSED', syscall: 'connect', address, port });
}

/** The database's own error for a statement sent while it is unavailable, by TypeORM driver type. */
export function databaseUnavailable(databaseType: string): Error {
  switch (databaseType) {
    case 'postgres':
    case 'cockroachdb':
    case 'aurora-postgres':
      // pg's DatabaseError: name "error", the SQLSTATE in `code`.
      return Object.assign(new Error('the database system is starting up'), { name: 'error', severity: 'FATAL', code: '57P03', routine: 'ProcessStartupPacket' });
    case 'mysql':
    case 'mariadb':
    case 'aurora-mysql':
      // mysql2: the server closed the connection; `fatal` marks the connection dead.
      return Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    default:
      // SQLite (better-sqlite3, sqljs): no server to lose; its outage is the file locked past the busy timeout.
      return Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });
  }
}

/** The default port of a database type, for the address in a connection error. */
export function defaultPort(databaseType: string): number {
  return databaseType === 'postgres' || databaseType === 'cockroachdb' || databaseType === 'aurora-postgres' ? 5432 : 3306;
}
