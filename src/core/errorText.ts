// One readable line for any thrown value, keeping what users need to act on: the
// system error code (ECONNREFUSED, ENOSPC, …) and the cause undici wraps it in.

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${code && !error.message.includes(code) ? ` [${code}]` : ''}${cause}`;
  }
  return String(error);
}
