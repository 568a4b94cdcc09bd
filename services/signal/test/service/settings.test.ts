import { ConfigError } from '@mobility/runtime';
import { describe, expect, it } from 'vitest';
import { signalSettings } from '../../src/service.js';

describe('signal settings from the environment', () => {
  it('defaults to the adaptive strategy and no intersections', () => {
    expect(signalSettings({})).toEqual({ strategy: 'adaptive' });
    expect(signalSettings({ SIGNAL_STRATEGY: '', SIGNAL_INTERSECTIONS: ' ' })).toEqual({
      strategy: 'adaptive',
    });
  });

  it('reads the config path and strategy', () => {
    expect(
      signalSettings({ SIGNAL_INTERSECTIONS: '/etc/signal.yaml', SIGNAL_STRATEGY: 'max-pressure' }),
    ).toEqual({
      strategy: 'max-pressure',
      intersectionsPath: '/etc/signal.yaml',
    });
  });

  it('names the variable of an unknown strategy without echoing it', () => {
    let error: unknown;
    try {
      signalSettings({ SIGNAL_STRATEGY: 'secret-sauce' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('SIGNAL_STRATEGY');
    expect((error as Error).message).not.toContain('secret-sauce');
  });
});
