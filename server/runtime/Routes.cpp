#include "Routes.h"

#include "server/health/HealthRoutes.h"

namespace Routes {
void installAll(Router &router, WorkerContext &context)
{
    HealthRoutes::install(router, context);
}
} // namespace Routes
