#include "MetricsRoutes.h"

#include "Metrics.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"

namespace MetricsRoutes {

void install(Router &router, WorkerContext &context)
{
    // Stats (and the Metrics on them) are owned by the HttpService and outlive every worker.
    const ExchangeStats *stats = context.stats();
    router.get(
        QStringLiteral("/metrics"),
        [stats](const ExchangePtr &exchange) {
            const Metrics *metrics = stats ? stats->metrics : nullptr;
            if (!metrics) {
                exchange->respondError(503, QStringLiteral("METRICS_UNAVAILABLE"),
                                       QStringLiteral("this server does not collect metrics"));
                return;
            }
            exchange->respond(200, metrics->render(stats), Metrics::contentType());
        },
        RouteClass::Exempt);
}

} // namespace MetricsRoutes
