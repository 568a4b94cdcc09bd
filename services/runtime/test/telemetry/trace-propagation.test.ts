import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus } from '../../src/bus/embedded.js';
import { startTelemetry } from '../../src/telemetry/telemetry.js';
import { waitFor } from '../bus/contract.js';

describe('trace context in event headers', () => {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({ service: 'trace-test', spanExporter: exporter });
  afterAll(() => telemetry.shutdown());

  it('continues the publisher trace in the consumer', async () => {
    const bus = createEmbeddedBus();
    await bus.ensureTopics([{ name: 'test.traced.v1', partitions: 2 }]);
    const seen: Array<{ traceId: string | undefined; traceparent: string | undefined }> = [];
    await bus.subscribe({
      group: 'test.tracing',
      topics: ['test.traced.v1'],
      fromBeginning: true,
      handler: async (message) => {
        seen.push({
          traceId: trace.getActiveSpan()?.spanContext().traceId,
          traceparent: message.headers.traceparent,
        });
      },
    });
    const tracer = trace.getTracer('test');
    const request = tracer.startSpan('http request');
    await context.with(trace.setSpan(context.active(), request), () =>
      bus.publish('test.traced.v1', [{ key: 'bus-7', value: new Uint8Array([1]) }]),
    );
    request.end();
    const consumerSpanDone = () =>
      exporter.getFinishedSpans().find((span) => span.name === 'test.traced.v1 process');
    await waitFor(() => consumerSpanDone() !== undefined, 'consumer span');
    await bus.close();

    const { traceId, spanId } = request.spanContext();
    expect(seen[0]?.traceId).toBe(traceId);
    expect(seen[0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    const consumerSpan = consumerSpanDone();
    expect(seen).toHaveLength(1);
    expect(consumerSpan?.parentSpanContext?.spanId).toBe(spanId);
    expect(consumerSpan?.attributes['messaging.consumer.group.name']).toBe('test.tracing');
  });
});
