import { type Counter, type Histogram, metrics } from '@opentelemetry/api';

/**
 * The bus's own metrics, the same for both adapters. Created on first use rather than at import, so
 * they bind to the meter provider telemetry installed (the metrics API has no late-binding proxy).
 */
interface BusInstruments {
  published: Counter;
  deliveries: Counter;
  failedAttempts: Counter;
  handlerSeconds: Histogram;
}

let instruments: BusInstruments | undefined;

function bus(): BusInstruments {
  if (!instruments) {
    const meter = metrics.getMeter('@mobility/runtime/bus');
    instruments = {
      published: meter.createCounter('mobility.bus.published', {
        description: 'Messages appended, per topic',
      }),
      deliveries: meter.createCounter('mobility.bus.deliveries', {
        description:
          'Messages a consumer group finished with, by outcome (handled, dead-lettered, abandoned)',
      }),
      failedAttempts: meter.createCounter('mobility.bus.handler.failures', {
        description: 'Handler attempts that threw (each retry counts)',
      }),
      handlerSeconds: meter.createHistogram('mobility.bus.handler.duration', {
        description: 'Time spent in one handler attempt',
        unit: 's',
      }),
    };
  }
  return instruments;
}

export const busMetrics = {
  published(topic: string, count: number): void {
    bus().published.add(count, { 'messaging.destination.name': topic });
  },
  attempt(topic: string, group: string, seconds: number, failed: boolean): void {
    const attributes = { 'messaging.destination.name': topic, 'messaging.consumer.group.name': group };
    bus().handlerSeconds.record(seconds, attributes);
    if (failed) bus().failedAttempts.add(1, attributes);
  },
  delivered(topic: string, group: string, outcome: string): void {
    bus().deliveries.add(1, {
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': group,
      outcome,
    });
  },
};
