/** Jaeger's query UI and API port (the route's `VIRTUAL_PORT`, Grafana's datasource). */
export const JAEGER_UI_PORT = 16686;
/** OTLP over gRPC: where the app exports spans (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
export const JAEGER_OTLP_GRPC_PORT = 4317;
/** OTLP over HTTP. */
export const JAEGER_OTLP_HTTP_PORT = 4318;

/** The endpoint the app exports traces to when Jaeger runs: the container's name on the network. */
export function otlpEndpoint(jaegerContainer: string): string {
  return `http://${jaegerContainer}:${JAEGER_OTLP_GRPC_PORT}`;
}
