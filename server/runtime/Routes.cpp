#include "Routes.h"

#include "server/adminapi/AdminRoutes.h"
#include "server/bench/BenchRoutes.h"
#include "server/health/HealthRoutes.h"
#include "server/metrics/MetricsRoutes.h"
#include "server/oauth/OAuthRoutes.h"
#include "server/passkeys/PasskeyRoutes.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"
#include "server/ratelimit/RateLimitGate.h"
#include "server/profile/ProfileRoutes.h"
#include "server/sessions/SessionRoutes.h"
#include "server/auth/totp/TotpRoutes.h"
#include "server/verification/VerificationRoutes.h"
#include "server/web/WebRoutes.h"

namespace Routes {
void installAll(Router &router, WorkerContext &context)
{
    HealthRoutes::install(router, context);
    MetricsRoutes::install(router, context);
    SessionRoutes::install(router, context);
    WebRoutes::install(router, context);
    OAuthRoutes::install(router, context);
    ProfileRoutes::install(router, context);
    AdminRoutes::install(router, context);
    PasskeyRoutes::install(router, context);
    TotpRoutes::install(router, context);
    VerificationRoutes::install(router, context);
    if (context.benchRoutes())
        BenchRoutes::install(router, context);
    // Client address and rate limits before every handler (Exempt routes: address only).
    router.setGate(RateLimitGate::forWorker(context));
}
} // namespace Routes
