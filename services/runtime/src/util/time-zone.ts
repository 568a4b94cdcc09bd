/**
 * Offset of local time from UTC, in milliseconds, at an instant in an IANA time zone (positive east
 * of Greenwich). Node has no direct API for it, so it is read back from Intl's formatting; one
 * formatter is kept per zone because creating them dominates the cost.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function zoneOffsetMs(timeZone: string, atMs: number): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(atMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)?.value);
  const localAsUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return localAsUtc - Math.floor(atMs / 1000) * 1000;
}
