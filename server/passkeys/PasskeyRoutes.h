#pragma once

#include "PasskeyFlow.h"

class Router;
class WorkerContext;

// Passkeys (WebAuthn) of API.md: sign-up (register/passkey/*), sign-in with and without an
// email (login/passkey/*), and the signed-in user's passkeys (/me/passkeys*).
namespace PasskeyRoutes {
void install(Router &router, WorkerContext &context);
} // namespace PasskeyRoutes

// The three groups, installed by PasskeyRoutes::install with one shared PasskeyFlow.
namespace PasskeySignUpRoutes {
void install(Router &router, const PasskeyFlowPtr &flow);
}
namespace PasskeySignInRoutes {
void install(Router &router, const PasskeyFlowPtr &flow);
}
namespace PasskeyAccountRoutes {
void install(Router &router, const PasskeyFlowPtr &flow);
}
