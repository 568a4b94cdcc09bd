import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import type { DeliveredMessage } from './port.js';

/**
 * Trace context rides in message headers (W3C `traceparent`/`tracestate`), so a trace started by an
 * HTTP or gRPC request continues through every consumer of the events it caused. Both bus adapters
 * use these two functions; neither depends on a Kafka-specific instrumentation.
 */
const tracer = trace.getTracer('@mobility/runtime/bus');

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
const getter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** Headers of an outgoing message with the active trace context added. */
export function withTraceContext(headers: Record<string, string> = {}): Record<string, string> {
  const carrier = { ...headers };
  propagation.inject(context.active(), carrier, setter);
  return carrier;
}

/** Runs `work` inside a consumer span that continues the trace the message carries. */
export async function inConsumerSpan<T>(
  message: DeliveredMessage,
  group: string,
  work: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), message.headers, getter);
  const span = tracer.startSpan(
    `${message.topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': message.topic,
        'messaging.destination.partition.id': String(message.partition),
        'messaging.kafka.offset': message.offset,
        'messaging.kafka.message.key': message.key,
        'messaging.consumer.group.name': group,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
