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
