export { shutdownTelemetry, startTelemetry, type Telemetry, type TelemetryOptions } from './telemetry.js';
