/** The point `metres` from `from` along `bearingDeg` on a spherical Earth (test geometry). */
export function destinationPoint(
  from: { lat: number; lon: number },
  bearingDeg: number,
  metres: number,
): { lat: number; lon: number } {
  const radius = 6_371_008.8;
  const rad = Math.PI / 180;
  const angular = metres / radius;
  const bearing = bearingDeg * rad;
  const lat1 = from.lat * rad;
  const lon1 = from.lon * rad;
  const lat2 = Math.asin(
    Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing),
  );
  const lon2 =
    lon1 +
    Math.atan2(
      Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1),
      Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2),
    );
  return { lat: lat2 / rad, lon: lon2 / rad };
}
