// Caps on what we keep for the log. The agent always receives every byte; only the
// log copy is bounded, so a long stream or a huge body cannot exhaust memory.
// Values are the original tool's, so records of both tools truncate alike.

/** Bytes of a request or response body kept for parsing into the log. */
export const TEE_CAP_BYTES = 16 * 1024 * 1024;
/** Characters kept of a reconstructed text field. */
export const MAX_TEXT_CHARS = 20_000;
/** Serialized size above which a non-streamed JSON body is replaced by its keys. */
export const MAX_BODY_JSON_CHARS = 65_536;
/** Output cap when decoding a compressed request body for the log (zip-bomb guard). */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;
/**
 * Everything the capture buffers in memory at once (see captureBudget.ts): the 4 MiB response ring, request
 * bodies on their way to the log, plain response bodies being kept. A body that does not fit is relayed in full
 * and its record notes that its log copy was dropped.
 */
export const CAPTURE_MEMORY_BUDGET_BYTES = 48 * 1024 * 1024;
