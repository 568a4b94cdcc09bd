import { PingSource } from '@mobility/contracts/avl/v1/transit';
import { createEmbeddedBus, createManualClock, silentLogger } from '@mobility/runtime';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createRejectionSink } from '../../src/ingest/rejections.js';

describe('ingest metrics', () => {
  it('counts rejected pings by reason and source, and accepted ones by source', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    const bus = createEmbeddedBus({ logger: silentLogger() });
    await bus.ensureTopics([{ name: 'avl.ping-rejected.v1', partitions: 1 }]);
    const sink = createRejectionSink({
      bus,
      clock: createManualClock(1_771_261_200_000),
      logger: silentLogger(),
    });
    await sink.reject({ reason: 'stale', message: 'old', source: PingSource.HTTP, vehicleId: 'a' });
    await sink.reject({ reason: 'stale', message: 'old', source: PingSource.HTTP, vehicleId: 'b' });
    await sink.reject({ reason: 'duplicate', message: 'again', source: PingSource.KAFKA, vehicleId: 'a' });
    sink.accepted(PingSource.KAFKA, 3);
    await reader.forceFlush();
    const points = exporter
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics)
      .flatMap((scope) => scope.metrics)
      .flatMap((metric) =>
        metric.dataPoints.map((point) => ({
          name: metric.descriptor.name,
          attributes: point.attributes,
          value: point.value,
        })),
      );
    expect(points).toEqual(
      expect.arrayContaining([
        { name: 'mobility.avl.pings.rejected', attributes: { reason: 'stale', source: 'http' }, value: 2 },
        {
          name: 'mobility.avl.pings.rejected',
          attributes: { reason: 'duplicate', source: 'kafka' },
          value: 1,
        },
        { name: 'mobility.avl.pings.accepted', attributes: { source: 'kafka' }, value: 3 },
      ]),
    );
    await provider.shutdown();
    await bus.close();
  });
});
