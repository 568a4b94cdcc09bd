import { register } from 'node:module';
import { startTelemetry } from './telemetry.js';

/**
 * Preloaded by every entry point (`node --import tsx --import <this file> main.ts`): registers the
 * ESM instrumentation hook and starts telemetry before any instrumented library is imported.
 * Reads OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_ENDPOINT, the standard OpenTelemetry variables.
 */
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

startTelemetry({
  service: process.env.OTEL_SERVICE_NAME ?? 'mobility',
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? { otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT }
    : {}),
});
