#pragma once

#include "server/http/HttpExchange.h"

class WorkerContext;

// Sign-up with email and an authenticator app (API.md):
//   POST /api/v1/auth/register/totp         {email, firstName, lastName}
//     → 201 {userId, totpSecret, otpauthUri, qrSvg}; 409 EMAIL_TAKEN
//   POST /api/v1/auth/register/totp/verify  {userId, code}
//     → 201 {user}; 400 TOTP_INVALID; 404 REGISTRATION_NOT_FOUND; 409 EMAIL_TAKEN
// Nothing reaches PostgreSQL before the first code proves the app holds the secret: until then
// the registration is pending_registration:{userId} in Redis (10 minutes, 5 wrong codes).
// Verifying creates the user (email_verified=false: a TOTP code says nothing about the mailbox)
// but does not sign in; the client signs in with the next code (login/totp), so the code that
// confirmed the app is not a second factor for anything.
namespace TotpRegistration {

inline constexpr int kPendingSeconds = 600;

void start(WorkerContext &context, const ExchangePtr &exchange);
void verify(WorkerContext &context, const ExchangePtr &exchange);

} // namespace TotpRegistration
