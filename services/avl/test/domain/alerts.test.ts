import { describe, expect, it } from 'vitest';
import {
  type AlertDraft,
  alertProblems,
  informsAbout,
  isActiveAt,
  isPublishable,
} from '../../src/domain/alerts.js';

const draft = (overrides: Partial<AlertDraft> = {}): AlertDraft => ({
  informedEntities: [{ routeId: 'C53' }],
  activePeriods: [],
  headerTexts: [{ language: 'en', text: 'Detour on C53' }],
  descriptionTexts: [],
  url: '',
  ...overrides,
});
const known = { routes: new Set(['C53', 'D40']), stops: new Set(['7219']), trips: new Set(['698100']) };

describe('alertProblems', () => {
  it('accepts a route alert with a header', () => {
    expect(alertProblems(draft(), known)).toEqual([]);
  });

  it('lists every problem at once, in words an operator can act on', () => {
    const problems = alertProblems(
      draft({
        informedEntities: [{ directionId: 1 }, { routeId: 'X9' }],
        headerTexts: [{ language: 'en', text: '  ' }],
        activePeriods: [{ startMs: 2000, endMs: 1000 }],
        url: 'ftp://example.org',
      }),
      known,
    );
    expect(problems).toEqual([
      'informed entity 1 selects nothing (give a route, stop, trip or agency)',
      'informed entity 1 has a direction without a route',
      'route X9 is not in the static feed',
      'an alert needs a header text',
      'active period 1 ends before it starts',
      'url must be an http(s) address',
    ]);
  });

  it('needs at least one informed entity', () => {
    expect(alertProblems(draft({ informedEntities: [] }))).toContain(
      'an alert needs at least one informed entity',
    );
  });
});

describe('when an alert is shown', () => {
  const periods = [{ startMs: 1000, endMs: 2000 }];
  it('is active inside a period and always without periods', () => {
    expect(isActiveAt(periods, 1500)).toBe(true);
    expect(isActiveAt(periods, 2000)).toBe(false);
    expect(isActiveAt([], 0)).toBe(true);
  });
  it('is published while active or announced, not after it ended', () => {
    expect(isPublishable(periods, 500)).toBe(true);
    expect(isPublishable(periods, 2500)).toBe(false);
    expect(isPublishable([{ startMs: 1000 }], 1e12)).toBe(true);
  });
  it('matches route and stop filters', () => {
    expect(informsAbout([{ routeId: 'C53', stopId: '7219' }], { routeId: 'C53' })).toBe(true);
    expect(informsAbout([{ routeId: 'C53' }], { stopId: '7219' })).toBe(false);
    expect(informsAbout([{ stopId: '7219' }], {})).toBe(true);
  });
});
