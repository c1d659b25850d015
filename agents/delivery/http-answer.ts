/**
 * An HTTP answer as delivery reads it, and its headers: the shape classify.ts judges, clock-skew.ts
 * reads the Date header of and http-exchange.ts produces (here, so none of them imports another back).
 */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** An HTTP answer, its body already read and JSON-parsed (undefined when it was not JSON). */
export interface HttpAnswer {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
}

/** A header's first value (Node gives repeated headers as an array). */
export function firstHeader(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
