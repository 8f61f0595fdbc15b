/**
 * Whether a database error is a passing condition (server down, restarting, overloaded,
 * connection lost, pool exhausted) rather than a bug or bad data. Tradecloud must then be told
 * 503 so that it delivers the event again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  const code = err?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code)) return true;
  // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P0x operator
  // intervention (shutdown, crash recovery), 40001/40P01 serialisation failure and deadlock.
  if (/^(08|53)/.test(code) || /^57P0[1-4]$/.test(code) || code === '40001' || code === '40P01') return true;
  const message = err?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(
    message,
  );
}
