import { HealthState, type HealthStatus } from "nice-grpc-server-health";

/** Status of a service in `grpc.health.v1.Health`. */
export type ServingStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const toState: Record<ServingStatus, HealthStatus> = { SERVING: "healthy", NOT_SERVING: "unhealthy", SERVICE_UNKNOWN: "unknown" };
const fromState: Record<HealthStatus, ServingStatus> = { healthy: "SERVING", unhealthy: "NOT_SERVING", unknown: "SERVICE_UNKNOWN" };

/**
 * The server's health statuses: `""` is the whole server; other keys are full service names.
 * The server sets every added service (and `""`) SERVING once listening and NOT_SERVING when
 * draining; a service's own status set with `set()` before `listen()` is kept.
 */
export class HealthStatuses {
  /** The nice-grpc-server-health state behind `Check` and `Watch`. */
  readonly state = HealthState();
  private readonly pinned = new Set<string>();
  private draining = false;

  constructor() {
    this.state.setMaxListeners(0); // one listener per open Watch
    this.state.setStatus("unhealthy", "");
  }

  /** Sets the status of `service` (`""` for the whole server). Ignored for SERVING while draining. */
  set(service: string, status: ServingStatus): void {
    this.pinned.add(service);
    if (this.draining && status === "SERVING") return;
    this.state.setStatus(toState[status], service);
  }

  /** Current status of `service`. */
  get(service = ""): ServingStatus {
    return fromState[this.state.getStatus(service)];
  }

  /** @internal Called on listen. */
  serving(services: readonly string[]): void {
    for (const service of ["", ...services]) {
      if (!this.pinned.has(service)) this.state.setStatus("healthy", service);
    }
  }

  /** @internal Called when shutdown starts: everything NOT_SERVING. */
  drain(services: readonly string[]): void {
    this.draining = true;
    for (const service of ["", ...services, ...this.pinned]) this.state.setStatus("unhealthy", service);
  }
}
