#include "CurrentUser.h"

#include "models/users/UserRepository.h"
#include "server/http/ServiceErrors.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"

namespace CurrentUser {

void load(const ExchangePtr &exchange, WorkerContext &context,
          std::function<void(const Caller &, const User &)> then)
{
    WorkerContext *ctx = &context;
    Authenticator::authenticate(exchange, context.sessions(), context.services().auth,
                                [ctx, exchange, then = std::move(then)](const Caller &caller) {
        auto statements = ctx->statements();
        if (!statements) {
            ServiceErrors::respond(exchange, statements.error());
            return;
        }
        auto user = UserRepository(**statements).findById(caller.session.data.userId);
        if (!user) {
            if (user.error().code == QLatin1String("DATABASE_UNAVAILABLE"))
                ctx->resetDatabase();
            ServiceErrors::respond(exchange, user.error());
            return;
        }
        if (!user->has_value() || !(*user)->isActive()) {
            exchange->respondError(401, QStringLiteral("UNAUTHENTICATED"),
                                   QStringLiteral("the session's account no longer exists or is disabled"));
            return;
        }
        then(caller, **user);
    });
}

} // namespace CurrentUser
