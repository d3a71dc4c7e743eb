#pragma once

#include "TestHttp.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

class GatehousedProcess;

// Drives the TOTP endpoints for integration tests like an authenticator app and a client would.
// Codes are computed here with Qt alone (QMessageAuthenticationCode and a small base32 decoder),
// not with the server's own TOTP code, so a mistake there cannot hide itself.
namespace TotpTestClient {

QByteArray base32Decode(const QString &text); // RFC 4648 alphabet, no padding; empty if invalid
QByteArray hotp(const QByteArray &secret, qint64 counter); // 6 digits

// One registered account as the test knows it.
struct Account
{
    QString userId;
    QString email;
    QByteArray secret;    // raw bytes, from the totpSecret of register/totp
    qint64 lastStep = -1; // the latest step whose code the test has spent
};

// A code for a step the server has not accepted yet and will accept now: the oldest of now-1,
// now, now+1 after lastStep (waiting for the next step when all three are spent, and out of
// the last two seconds of a step, so the server's "now" is the test's). Records the step.
QByteArray nextCode(Account &account);

TestHttpResponse post(const GatehousedProcess &server, const QString &path, const QJsonObject &body);
TestHttpResponse postRaw(const GatehousedProcess &server, const QString &path, const QByteArray &body,
                         const QByteArray &contentType = QByteArrayLiteral("application/json"));
QString errorCode(const TestHttpResponse &response);
QString errorField(const TestHttpResponse &response);

// register/totp + register/totp/verify; an Account with an empty userId on failure (logged).
Account registerAccount(const GatehousedProcess &server, const QString &email);
// login/totp + login/totp/verify with the next code; the sign-in answer.
TestHttpResponse signIn(const GatehousedProcess &server, Account &account);

} // namespace TotpTestClient
