/**
 * JSON values as they travel through the agent. Exact numbers (money, BIGINT) are strings; a JS
 * number is allowed only where a source produced a genuinely inexact or small value (counts, flags),
 * and canonical JSON formats it the same way wherever it came from.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
