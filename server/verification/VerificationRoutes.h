#pragma once

class Router;
class WorkerContext;

// The signed-in user's contact details (API.md):
//   POST /api/v1/me/email/verification  → 202 {expiresInSeconds}: a code by mail
//   POST /api/v1/me/email/verify {code} → 200 {user}: email_verified, user:updated
//   PUT  /api/v1/me/phone {phone}       → 200 {user}: stored E.164; a new number is unverified
//   POST /api/v1/me/phone/verification  → 202 {expiresInSeconds}: a code by SMS
//   POST /api/v1/me/phone/verify {code} → 200 {user}: phone_verified, user:updated
// Codes: server/verification/VerificationCodes. All are RouteClass::Auth (one-time codes).
namespace VerificationRoutes {
void install(Router &router, WorkerContext &context);
} // namespace VerificationRoutes
