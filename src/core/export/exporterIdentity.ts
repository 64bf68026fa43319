// How our exports name their producer (HAR's creator, the HTML report's generator, the OTLP resource). Its own
// module so the exports that need only the name do not load the OpenTelemetry SDK (see otlpExport's loading).

export const EXPORTER_NAME = 'agent-interlude';
export const EXPORTER_VERSION = '0.3.0';
