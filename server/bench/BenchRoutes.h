#pragma once

class Router;
class WorkerContext;

// Routes for the benchmark harness, served only with `bench-routes on`: GET /bench/hello (no
// I/O at all) and GET /bench/redis (one async GET of bench:value). Both are Default class, so
// they are rate limited like any API route: benchmarks raise --rate-limit-default.
namespace BenchRoutes {
void install(Router &router, WorkerContext &context);
}
