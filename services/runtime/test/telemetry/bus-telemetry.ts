import { context, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/bus/port.js';
import { startTelemetry } from '../../src/telemetry/telemetry.js';
import { waitFor } from '../bus/contract.js';

/** Trace continuity through event headers and the bus metrics, for one adapter. */
export function describeBusTelemetry(adapter: string, connect: () => Promise<EventBus>): void {
  describe(`bus telemetry: ${adapter}`, () => {
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const metricReader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 60_000,
    });
    const telemetry = startTelemetry({ service: 'bus-telemetry-test', spanExporter: spans, metricReader });
    const suffix = Math.random().toString(36).slice(2, 8);
    const topic = `telemetry.traced-${suffix}.v1`;
    let bus: EventBus;

    beforeAll(async () => {
      bus = await connect();
      await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    });
    afterAll(async () => {
      await bus?.close();
      await telemetry.shutdown();
    });

    it('continues the publisher trace in the consumer span', async () => {
      const seen: Array<{ traceId: string | undefined; traceparent: string | undefined }> = [];
      const subscription = await bus.subscribe({
        group: `telemetry.tracing-${suffix}`,
        topics: [topic],
        fromBeginning: true,
        handler: async (message) => {
          seen.push({
            traceId: trace.getActiveSpan()?.spanContext().traceId,
            traceparent: message.headers.traceparent,
          });
        },
      });
      const request = trace.getTracer('test').startSpan('http request');
      await context.with(trace.setSpan(context.active(), request), () =>
        bus.publish(topic, [{ key: 'bus-7', value: new Uint8Array([1]) }]),
      );
      request.end();
      const consumerSpan = () => spans.getFinishedSpans().find((span) => span.name === `${topic} process`);
      await waitFor(() => consumerSpan() !== undefined, 'consumer span');
      await subscription.stop();

      const { traceId, spanId } = request.spanContext();
      expect(seen).toHaveLength(1);
      expect(seen[0]?.traceId).toBe(traceId);
      expect(seen[0]?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
      expect(consumerSpan()?.parentSpanContext?.spanId).toBe(spanId);
      expect(consumerSpan()?.attributes['messaging.consumer.group.name']).toBe(`telemetry.tracing-${suffix}`);
    });

    it('counts published messages, failed attempts and dead letters', async () => {
      const group = `telemetry.metrics-${suffix}`;
      let calls = 0;
      const subscription = await bus.subscribe({
        group,
        topics: [topic],
        fromBeginning: true,
        maxAttempts: 2,
        retryBackoffMs: 5,
        handler: async () => {
          calls++;
          throw new Error('always fails');
        },
      });
      await waitFor(() => calls >= 2, 'two attempts at the one message');
      await waitFor(async () => {
        await metricReader.forceFlush();
        return pointsOf('mobility.bus.deliveries').some((p) => p.attributes.outcome === 'dead-lettered');
      }, 'dead-letter metric');
      await subscription.stop();

      const deadLettered = pointsOf('mobility.bus.deliveries').find(
        (p) =>
          p.attributes['messaging.consumer.group.name'] === group && p.attributes.outcome === 'dead-lettered',
      );
      expect(deadLettered?.value).toBe(1);
      const failures = pointsOf('mobility.bus.handler.failures').find(
        (p) => p.attributes['messaging.consumer.group.name'] === group,
      );
      expect(failures?.value).toBe(2);
      const published = pointsOf('mobility.bus.published').find(
        (p) => p.attributes['messaging.destination.name'] === topic,
      );
      expect(published?.value).toBe(1);
    });

    function pointsOf(name: string): Array<{ attributes: Record<string, unknown>; value: unknown }> {
      const latest = metricExporter.getMetrics().at(-1);
      const metric = latest?.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []) as Array<{ attributes: Record<string, unknown>; value: unknown }>;
    }
  });
}
