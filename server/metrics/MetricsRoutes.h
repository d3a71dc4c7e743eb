#pragma once

class Router;
class WorkerContext;

// GET /metrics: Prometheus text exposition format 0.0.4 of the Metrics object the HttpService
// was given (503 METRICS_UNAVAILABLE when it has none). Exempt from rate limiting, like the
// health probes.
namespace MetricsRoutes {
void install(Router &router, WorkerContext &context);
}
