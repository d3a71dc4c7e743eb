#include "PasskeyRoutes.h"

#include "server/crypto/Crypto.h"
#include "server/http/WorkerContext.h"
#include "server/runtime/AppServices.h"

namespace PasskeyRoutes {

void install(Router &router, WorkerContext &context)
{
    const AppServices &services = context.services();
    // The decoy credential ids for unknown addresses must be the same on every instance and
    // after a restart, so they come from the shared data key; without one (tests, tools) they
    // are at least stable for this process.
    static const QByteArray processKey = Crypto::randomBytes(32);
    const QByteArray decoyKey = Crypto::hmacSha256(
        services.dataEncryptionKey.isEmpty() ? processKey : services.dataEncryptionKey,
        QByteArrayLiteral("gatehouse passkey decoys"));
    auto flow = std::make_shared<const PasskeyFlow>(context, PasskeySettings::fromConfig(services.config),
                                                    decoyKey);
    PasskeySignUpRoutes::install(router, flow);
    PasskeySignInRoutes::install(router, flow);
    PasskeyAccountRoutes::install(router, flow);
}

} // namespace PasskeyRoutes
