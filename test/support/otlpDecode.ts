// OTLP/JSON spans (the OTLP JSON mapping of ExportTraceServiceRequest) read back into plain attribute maps.

export interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number; arrayValue?: { values: Array<{ stringValue?: string }> } };
}
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  events?: Array<{ name: string }>;
}

export function otlpAttributes(span: OtlpSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of span.attributes) {
    out[key] = value.arrayValue ? value.arrayValue.values.map((entry) => entry.stringValue) : value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue ?? value.doubleValue);
  }
  return out;
}

