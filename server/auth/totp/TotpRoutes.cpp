#include "TotpRoutes.h"

#include "TotpLogin.h"
#include "TotpRegistration.h"
#include "server/http/Router.h"
#include "server/http/WorkerContext.h"

namespace TotpRoutes {

void install(Router &router, WorkerContext &context)
{
    WorkerContext *ctx = &context;
    router.post(QStringLiteral("/api/v1/auth/register/totp"),
                [ctx](const ExchangePtr &exchange) { TotpRegistration::start(*ctx, exchange); }, RouteClass::Auth);
    router.post(QStringLiteral("/api/v1/auth/register/totp/verify"),
                [ctx](const ExchangePtr &exchange) { TotpRegistration::verify(*ctx, exchange); }, RouteClass::Auth);
    router.post(QStringLiteral("/api/v1/auth/login/totp"),
                [ctx](const ExchangePtr &exchange) { TotpLogin::start(*ctx, exchange); }, RouteClass::Auth);
    router.post(QStringLiteral("/api/v1/auth/login/totp/verify"),
                [ctx](const ExchangePtr &exchange) { TotpLogin::verify(*ctx, exchange); }, RouteClass::Auth);
}

} // namespace TotpRoutes
