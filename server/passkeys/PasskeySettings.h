#pragma once

#include "server/webauthn/WebAuthnVerifier.h"

#include <QString>

struct Config;

// The relying party as the passkey flows see it, derived once from Config: what the verifier
// checks (rpId, allowed origins, cross-origin top origins, user verification) and what the
// options ask browsers for (rpName, attestation conveyance, timeout).
struct PasskeySettings
{
    WebAuthn::RelyingParty rp;
    QString rpName = QStringLiteral("Gatehouse");
    QString userVerification = QStringLiteral("preferred"); // as sent in the options
    QString attestation = QStringLiteral("none");
    bool refuseCounterRegression = true; // webauthn-counter-policy refuse
    int challengeTtlSeconds = 300;       // 5 minutes; also the options' timeout

    static PasskeySettings fromConfig(const Config &config);
    // rp-id, or the public URL's host; a loopback address becomes "localhost", because
    // browsers refuse IP addresses as relying party ids and serve loopback as localhost.
    static QString effectiveRpId(const Config &config);
};
