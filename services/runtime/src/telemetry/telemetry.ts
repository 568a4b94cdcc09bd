import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type IMetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry for a process: traces and metrics, exported over OTLP/gRPC when an endpoint is
 * configured (OTEL_EXPORTER_OTLP_ENDPOINT), and kept in-process otherwise. Even without an exporter
 * the tracer provider and W3C propagator are installed, so trace ids appear in logs and flow
 * through gRPC metadata and event headers.
 *
 * Instrumented libraries: kafkajs, @grpc/grpc-js, pg, ioredis, node:http. Under ESM these must be
 * loaded after the instrumentation hook is registered: entry points preload `./register.ts`.
 */
export interface TelemetryOptions {
  service: string;
  version?: string;
  /** OTLP/gRPC collector, e.g. http://otel-collector:4317. */
  otlpEndpoint?: string;
  /** Tests pass an in-memory exporter to look at spans, and their own reader to look at metrics. */
  spanExporter?: SpanExporter;
  metricReader?: IMetricReader;
  metricIntervalMs?: number;
}

export interface Telemetry {
  /** Flushes pending spans and metrics; the last step of a service's shutdown. */
  shutdown(): Promise<void>;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const spanProcessors = options.spanExporter
    ? [new SimpleSpanProcessor(options.spanExporter)]
    : options.otlpEndpoint
      ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint }))]
      : // A no-op processor still installs the tracer provider and propagator.
        [new NoopSpanProcessor()];
  const metricReaders = options.metricReader
    ? [options.metricReader]
    : options.otlpEndpoint
      ? [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: options.otlpEndpoint }),
            exportIntervalMillis: options.metricIntervalMs ?? 15_000,
          }),
        ]
      : [];
  // The SDK would otherwise pick exporters from OTEL_*_EXPORTER defaults and try localhost:4318.
  process.env.OTEL_TRACES_EXPORTER ??= 'none';
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';

  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.service,
      ...(options.version ? { [ATTR_SERVICE_VERSION]: options.version } : {}),
    }),
    spanProcessors,
    metricReaders,
    instrumentations: [
      new KafkaJsInstrumentation(),
      new GrpcInstrumentation(),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
      new HttpInstrumentation(),
    ],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  current = {
    shutdown: () => {
      stopped ??= sdk.shutdown().catch(() => undefined);
      return stopped;
    },
  };
  return current;
}

let current: Telemetry | undefined;

/** Flushes the process's telemetry, if it was started: the last step of every shutdown. */
export function shutdownTelemetry(): Promise<void> {
  return current?.shutdown() ?? Promise.resolve();
}
