#pragma once

#include "server/http/HttpExchange.h"

class WorkerContext;

// Sign-in with email and a TOTP code (API.md):
//   POST /api/v1/auth/login/totp         {email} → 200 {loginToken, totpRequired: true}
//   POST /api/v1/auth/login/totp/verify  {loginToken, code} → the sign-in answer (SignIn)
//
// No enumeration: the first step answers the same, after the same work (one indexed read, one
// Redis SET), for an unknown address, a user without TOTP, a disabled user and a real one; the
// token then simply never accepts a code. Every refusal of the second step is the same
// 400 TOTP_INVALID until the code is right, including "sign-in paused" (lockout), so neither
// the answer nor a lockout tells an attacker whether the account exists. A right code for a
// disabled account gets SignIn's 403.
//
// Limits: a login token allows 5 codes, then it is burnt; it is deleted when used. Per account,
// `totp-lockout-attempts` wrong codes within `totp-lockout-window` seconds (over any number of
// tokens) pause TOTP sign-in for `totp-lockout-duration` seconds. The pause is bounded: it is
// set once (never extended by attempts made while it lasts, which are not counted either), it
// ends on its own, and passkeys and social sign-in stay open meanwhile. So an attacker can at
// worst keep pausing TOTP for a user by sending a fresh burst of wrong codes after every pause,
// each burst spending their rate-limited requests; the user keeps every other way in.
namespace TotpLogin {

inline constexpr int kLoginTokenSeconds = 300;

void start(WorkerContext &context, const ExchangePtr &exchange);
void verify(WorkerContext &context, const ExchangePtr &exchange);

} // namespace TotpLogin
